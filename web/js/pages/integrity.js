// Integritatea arhivei (/companii/<cif>/integritate): the last integrity run of a company (every
// original re-read and compared with its SHA-256, Object Lock, MF signature, counters, gaps), its
// progress while it runs, the problems with their documents, "Verifică acum" for owners and
// admins, and the two reports (PDF for the inspector, JSON). Explanations come from the API.
import { api, SESSION_EXPIRED } from "../api.js";
import { canAdminister } from "../anaf.js";
import { html, setHtml, showMessage, withProgress } from "../dom.js";
import { saveLink } from "../documents/downloads.js";
import { count, counted, dateTime } from "../format.js";

const POLL_MS = 2000;
const KIND_NAMES = {
  received: "Facturi primite", sent: "Facturi trimise", error: "Mesaje de eroare",
  buyer_message: "Mesaje ale cumpărătorului", unknown: "Alte documente", total: "Total",
};
const STATE_NAMES = { queued: "în așteptare", running: "în curs", done: "încheiată", failed: "eșuată" };

const checked = (n) => counted(n, "document verificat", "documente verificate");

function problemRow(problem) {
  const what = problem.number || problem.message_id || "Compania";
  return html`
    <tr data-problema="${problem.code}" data-sk="${problem.sk ?? ""}">
      <td data-eticheta="Document"><div class="denumire">${what}</div>
        ${problem.message_id ? html`<div class="nota">mesaj ${problem.message_id}</div>` : ""}</td>
      <td data-eticheta="Tip">${KIND_NAMES[problem.kind] ?? "—"}</td>
      <td data-eticheta="Problemă"><div>${problem.explanation}</div>
        ${problem.detail ? html`<div class="nota">${problem.detail}</div>` : ""}</td>
    </tr>`;
}

function countsTable(run) {
  const kinds = Object.keys(KIND_NAMES).filter((kind) => kind !== "total");
  const inArchive = run.counted ?? {};
  const shown = run.counters ?? {};
  const total = kinds.reduce((sum, kind) => sum + (inArchive[kind] ?? 0), 0);
  const rows = kinds.filter((kind) => inArchive[kind] || shown[kind]).map((kind) => html`
    <tr><td>${KIND_NAMES[kind]}</td><td>${count(inArchive[kind] ?? 0)}</td><td>${count(shown[kind] ?? 0)}</td></tr>`);
  return html`
    <table class="tabel" id="contoare">
      <caption class="ascuns">Documente pe tipuri</caption>
      <thead><tr><th scope="col">Tip</th><th scope="col">În arhivă</th><th scope="col">Afișat în aplicație</th></tr></thead>
      <tbody>${rows}<tr><td><strong>Total</strong></td><td>${count(total)}</td><td>${count(shown.total ?? 0)}</td></tr></tbody>
    </table>`;
}

function runView(run) {
  if (!run) {
    return html`<div class="gol"><p id="stare-integritate">Arhiva nu a fost verificată încă. Verificarea
      rulează automat o dată pe lună.</p></div>`;
  }
  const header = html`<p class="nota">Verificare ${run.reason === "manual" ? "pornită manual" : "lunară"},
    ${STATE_NAMES[run.state] ?? run.state}${run.started_at ? html` · începută ${dateTime(run.started_at)}` : ""}${run.finished_at
      ? html` · încheiată ${dateTime(run.finished_at)}` : ""}</p>`;
  if (run.state === "queued" || run.state === "running") {
    return html`${header}<p class="mesaj info" id="stare-integritate" aria-busy="true">Verificarea este în curs:
      ${checked(run.documents_checked)} până acum…</p>`;
  }
  if (run.state === "failed") {
    return html`${header}<p class="mesaj eroare" id="stare-integritate">Verificarea nu s-a putut încheia.
      Porniți-o din nou.</p>`;
  }
  const verdict = run.all_good
    ? html`<p class="mesaj succes" id="stare-integritate">Arhiva este completă și nealterată:
        ${checked(run.documents_checked)}, nicio problemă.</p>`
    : html`<p class="mesaj avertisment" id="stare-integritate">${checked(run.documents_checked)}:
        ${counted(run.problem_count, "problemă", "probleme")}${run.gaps.length
          ? html`, ${counted(run.gaps.length, "interval lipsă", "intervale lipsă")}` : ""}.</p>`;
  const period = run.period?.from
    ? html`<p class="nota">Perioada acoperită: ${dateTime(run.period.from)} – ${dateTime(run.period.to)}</p>` : "";
  const problems = run.problems.length ? html`
    <h3>Probleme</h3>
    <div class="tabel-derulant">
      <table class="tabel" id="probleme">
        <caption class="ascuns">Problemele găsite, cu documentul fiecăreia</caption>
        <thead><tr><th scope="col">Document</th><th scope="col">Tip</th><th scope="col">Problemă</th></tr></thead>
        <tbody>${run.problems.map(problemRow)}</tbody>
      </table>
    </div>
    ${run.problem_count > run.problems.length
      ? html`<p class="nota">Sunt afișate primele ${count(run.problems.length)}; lista completă este în raportul JSON.</p>` : ""}` : "";
  const gaps = run.gaps.length ? html`
    <h3>Intervale lipsă</h3>
    <ul id="intervale">${run.gaps.map((gap) => html`<li>${gap.explanation}</li>`)}</ul>` : "";
  return html`${header}${verdict}${period}${countsTable(run)}${problems}${gaps}`;
}

function reportsView(run) {
  if (!run || run.state !== "done") return html``;
  const pdf = run.reports.pdf
    ? html`<button type="button" class="buton mic" id="raport-pdf">Descarcă raportul PDF</button>`
    : html`<span class="nota" id="raport-pdf-in-lucru">PDF-ul se generează…</span>`;
  return html`<div class="rand-mic">${pdf}
    <button type="button" class="buton mic secundar contur" id="raport-json">Descarcă raportul JSON</button></div>`;
}

export default {
  title: "Integritatea arhivei",
  auth: true,
  render: (ctx) => html`
    <p class="firimituri"><a href="/companii/${encodeURIComponent(ctx.params[0])}" data-link>← Compania</a></p>
    <h1>Integritatea arhivei</h1>
    <p class="subtitlu">CIF ${ctx.params[0]} · dovada că arhiva este completă și nealterată</p>
    <section class="card" aria-labelledby="titlu-integritate">
      <div class="antet-card">
        <h2 id="titlu-integritate">Ultima verificare</h2>
        <span id="actiuni-integritate"></span>
      </div>
      <p class="nota">Fiecare original semnat primit de la ANAF este recitit și comparat cu amprenta lui
        SHA-256; se verifică blocarea împotriva ștergerii, semnătura Ministerului Finanțelor, numărul de
        documente și intervalele nelistate la ANAF. Raportul PDF poate fi predat unui inspector fiscal.</p>
      <div id="mesaj-integritate" role="alert"></div>
      <div id="integritate" aria-live="polite" aria-busy="true"><p class="nota">Se încarcă…</p></div>
      <div id="rapoarte"></div>
    </section>`,
  async mount(root, ctx) {
    const cif = ctx.params[0];
    const path = `/companies/${encodeURIComponent(cif)}/integrity`;
    const box = root.querySelector("#integritate");
    const reports = root.querySelector("#rapoarte");
    const messages = root.querySelector("#mesaj-integritate");
    let start = null; // "Verifică acum", for owners and admins only
    let timer = null;

    const problem = (error) => {
      if (error.code === SESSION_EXPIRED || !ctx.current()) return;
      if (error.code === "company_not_found") {
        showMessage(messages, "eroare", "Compania nu există în contul dumneavoastră.");
      } else {
        showMessage(messages, "eroare", error.message);
      }
    };

    async function download(format) {
      try {
        const link = await api(`${path}/report?format=${format}`);
        if (ctx.current()) saveLink(link.url, link.filename);
      } catch (error) {
        problem(error);
      }
    }

    async function load() {
      clearTimeout(timer);
      try {
        const { run } = await api(path);
        if (!ctx.current()) return;
        setHtml(box, runView(run));
        setHtml(reports, reportsView(run));
        reports.querySelector("#raport-pdf")?.addEventListener("click", () => download("pdf"));
        reports.querySelector("#raport-json")?.addEventListener("click", () => download("json"));
        const busy = run && (run.state === "queued" || run.state === "running" ||
          (run.state === "done" && run.pdf_status === "pending"));
        if (start) start.disabled = Boolean(run && (run.state === "queued" || run.state === "running"));
        if (busy) timer = setTimeout(() => { if (ctx.current()) load(); }, POLL_MS);
      } catch (error) {
        problem(error);
        if (ctx.current() && error.code !== SESSION_EXPIRED) setHtml(box, html``);
      } finally {
        box.removeAttribute("aria-busy");
      }
    }

    function offerStart() {
      const actions = root.querySelector("#actiuni-integritate");
      setHtml(actions, html`<button type="button" class="buton mic" id="verifica-acum">Verifică acum</button>`);
      start = actions.querySelector("#verifica-acum");
      start.addEventListener("click", async () => {
        const started = await withProgress(start, "Se pornește…", async () => {
          try {
            await api(path, { method: "POST" });
            return true;
          } catch (error) {
            problem(error);
            return false;
          }
        });
        if (!started || !ctx.current()) return;
        showMessage(messages, "succes", "Verificarea a pornit. Rezultatul apare aici când se încheie.");
        load(); // after withProgress, which re-enables the button: load disables it while the run goes on
      });
    }

    try {
      const { company } = await api(`/companies/${encodeURIComponent(cif)}`);
      if (ctx.current() && canAdminister(company)) offerStart();
    } catch (error) {
      problem(error);
    }
    load();
  },
};
