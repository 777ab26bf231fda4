// Documente: a company's archive, newest first, with filters, pages, the detail of a document,
// per-row downloads and exports. The address holds the whole state (company, filters, page size,
// position), so links can be shared and the back button returns to the previous page or filter.
import { api, SESSION_EXPIRED } from "../api.js";
import { SYNC_POLL_MS, syncInProgress } from "../companies-view.js";
import { html, setHtml, showMessage, trusted, withProgress } from "../dom.js";
import { count, counted } from "../format.js";
import { dateField, mountDateFields, readDateFields } from "../date-field.js";
import { navigate } from "../nav.js";
import { downloadFile, followExport, startExport } from "../documents/downloads.js";
import {
  apiQuery, checkFilters, DEFAULT_PAGE_SIZE, FILTERS, hasFilters, PAGE_SIZES, pagePath, readState,
} from "../documents/query.js";
import { detail, lineRows, moreLines, pdfPreview, table } from "../documents/view.js";
import { mountSupplierMessages } from "../documents/supplier-messages.js";
import { markRow, mountReviewDetail, mountReviewList } from "../documents/review.js";

const REMEMBERED = "arhivar.documente.cif";
const ORDER_NOTES = {
  issued: "Ordonate după data emiterii (cele mai noi întâi), deoarece filtrați după data emiterii.",
  number: "Ordonate după numărul documentului, deoarece căutați după număr.",
};

function remembered() {
  try {
    return localStorage.getItem(REMEMBERED);
  } catch {
    return null;
  }
}

function remember(cif) {
  try {
    localStorage.setItem(REMEMBERED, cif);
  } catch {
    // private mode: the address still carries the choice
  }
}

function companyPicker(companies, cif) {
  if (companies.length < 2) return "";
  return html`
    <form class="alege-compania" id="alege-compania">
      <label for="compania">Compania</label>
      <select id="compania" name="cif">
        ${companies.map((c) => html`<option value="${c.cif}" ${c.cif === cif ? "selected" : ""}>${c.name} (CIF ${c.cif})</option>`)}
      </select>
    </form>`;
}

function field(name, label, value, type = "text", extra = "") {
  return html`<div class="camp">
    <label for="filtru-${name}">${label}</label>
    <input id="filtru-${name}" name="${name}" type="${type}" value="${value ?? ""}" ${extra ? trusted(extra) : ""}
           aria-describedby="eroare-${name}">
    <p class="eroare-camp" id="eroare-${name}" role="alert" hidden></p>
  </div>`;
}

function filterForm(state) {
  const f = state.filters;
  const option = (value, label) => html`<option value="${value}" ${f.type === value || (!f.type && !value)
    ? "selected" : ""}>${label}</option>`;
  return html`
    <form class="card filtre" id="filtre" novalidate aria-labelledby="titlu-filtre">
      <h2 id="titlu-filtre" class="ascuns">Filtre</h2>
      <div class="rand">
        <div class="camp">
          <label for="filtru-type">Tip</label>
          <select id="filtru-type" name="type">
            ${option("", "Toate")}${option("received", "Primite")}${option("sent", "Trimise")}
            ${option("error", "Erori")}${option("buyer_message", "Mesaje")}
          </select>
        </div>
        ${field("q", "Caută (partener, număr, produse)", f.q, "search")}
        ${field("partner", "Partener (denumire sau CIF)", f.partner)}
        ${field("number", "Număr document (început)", f.number)}
      </div>
      <div class="rand">
        ${dateField({ id: "filtru-created_from", name: "created_from", label: "Creat de la", iso: f.created_from })}
        ${dateField({ id: "filtru-created_to", name: "created_to", label: "Creat până la", iso: f.created_to })}
        ${dateField({ id: "filtru-issued_from", name: "issued_from", label: "Emis de la", iso: f.issued_from })}
        ${dateField({ id: "filtru-issued_to", name: "issued_to", label: "Emis până la", iso: f.issued_to })}
        ${field("amount_min", "Total minim", f.amount_min, "text", 'inputmode="decimal"')}
        ${field("amount_max", "Total maxim", f.amount_max, "text", 'inputmode="decimal"')}
      </div>
      <div class="rand">
        <div class="camp">
          <label for="filtru-accounting">Export în contabilitate</label>
          <select id="filtru-accounting" name="accounting">
            <option value="" ${!f.accounting ? "selected" : ""}>Toate</option>
            <option value="not_exported" ${f.accounting === "not_exported" ? "selected" : ""}>Doar ce nu a fost exportat încă</option>
            <option value="exported" ${f.accounting === "exported" ? "selected" : ""}>Doar cele exportate</option>
          </select>
        </div>
      </div>
      <div class="bifa">
        <input id="filtru-superseded" name="superseded" type="checkbox" value="1" ${f.superseded === "1" ? "checked" : ""}>
        <label for="filtru-superseded">Doar copiile înlocuite de originalul cu semnătura verificată
          (ascunse în mod obișnuit)</label>
      </div>
      <div class="butoane">
        <button class="buton" type="submit">Filtrează</button>
        ${hasFilters(f) ? html`<a class="buton secundar contur" id="sterge-filtre"
          href="${pagePath({ cif: state.cif, filters: {}, pageSize: state.pageSize })}" data-link>Șterge filtrele</a>` : ""}
      </div>
    </form>`;
}

function exportsBar(cif) {
  // Offered once the filter's count is known: an export of nothing would be an empty file.
  return html`
    <section class="card exporturi" aria-labelledby="titlu-exporturi" hidden>
      <h2 id="titlu-exporturi" class="ascuns">Descărcări</h2>
      <div class="butoane">
        <button type="button" class="buton" data-export="zip">Descarcă toate documentele</button>
        <button type="button" class="buton secundar contur" data-export="csv">Export CSV</button>
        <button type="button" class="buton secundar contur" data-export="xlsx">Export Excel</button>
        <span class="nota">Pentru filtrul curent: ZIP cu XML, PDF și originalele ANAF, plus index.csv.</span>
      </div>
      <p class="nota"><a id="link-contabilitate" href="/companii/${encodeURIComponent(cif)}/contabilitate" data-link>Export pentru contabilitate (SAGA, WinMentor)</a>:
        facturile unei luni sau ale unui trimestru, doar cele neexportate încă.</p>
      <p class="nota" id="fara-export" hidden>Nu există documente de exportat pentru filtrul curent:
        descărcările apar aici când filtrul are cel puțin un document.</p>
      <div id="stare-export" role="status" aria-live="polite"></div>
    </section>`;
}

/** "Pagina 2 din 4 · documentele 26–50 din 90"; only the page number for a partial search page,
 *  whose place in the result is not known. */
function position(state, page) {
  const number = state.pageNumber ?? 1;
  const shown = page.documents.length;
  if (page.partial || !shown) return `Pagina ${count(number)}`;
  const exact = page.total?.exact;
  const first = (number - 1) * state.pageSize + 1;
  const last = first + shown - 1;
  const total = Math.max(page.total?.value ?? 0, last);
  const pages = Math.max(number, Math.ceil(total / state.pageSize));
  const atLeast = exact ? "" : "cel puțin ";
  return `Pagina ${count(number)} din ${atLeast}${count(pages)} · documentele ${count(first)}–${count(last)} ` +
    `din ${atLeast}${count(total)}`;
}

/** The pager again under the table, at the bottom right: where the page was and where it goes. */
function pagerBelow(state, page) {
  return html`<nav class="paginare paginare-jos" aria-label="Paginare sub tabel">
    <span class="pozitie" id="pozitie-jos">${position(state, page)}</span>
    <span class="rand-mic">
      <button type="button" class="buton mic secundar contur" data-pagina="prev"
        ${page.prev_cursor ? "" : "disabled"}>‹ Anterioara</button>
      <button type="button" class="buton mic secundar contur" data-pagina="next"
        ${page.next_cursor ? "" : "disabled"}>Următoarea ›</button>
    </span>
  </nav>`;
}

function pager(state, page) {
  const sizes = html`<label for="pe-pagina">Rânduri pe pagină</label>
    <select id="pe-pagina">${PAGE_SIZES.map((size) => html`<option value="${size}"
      ${size === state.pageSize ? "selected" : ""}>${size}</option>`)}</select>`;
  const total = page.total?.value ?? 0;
  const totalText = `${page.total?.exact ? "" : "cel puțin "}${counted(total, "document", "documente")}`;
  return html`<nav class="paginare" aria-label="Paginare">
    <span class="total" id="total-documente">${totalText}</span>
    <span class="pozitie" id="pozitie">${position(state, page)}</span>
    <span class="rand-mic">${sizes}</span>
    <span class="rand-mic">
      <button type="button" class="buton mic secundar contur" id="pagina-anterioara" data-pagina="prev"
        ${page.prev_cursor ? "" : "disabled"}>‹ Pagina anterioară</button>
      <button type="button" class="buton mic secundar contur" id="pagina-urmatoare" data-pagina="next"
        ${page.next_cursor ? "" : "disabled"}>Pagina următoare ›</button>
    </span>
  </nav>`;
}

function results(state, page) {
  const notes = [];
  if (ORDER_NOTES[page.order]) notes.push(html`<p class="nota">${ORDER_NOTES[page.order]}</p>`);
  if (page.partial) {
    notes.push(html`<p class="mesaj info">Căutarea parcurge arhiva pe porțiuni; această porțiune a avut
      ${page.documents.length ? `doar ${counted(page.documents.length, "rezultat", "rezultate")}` : "niciun rezultat"}.
      Apăsați „Pagina următoare” pentru a căuta mai departe.</p>`);
  }
  if (!page.documents.length && !page.partial) {
    return html`${pager(state, page)}<div class="gol"><p>${hasFilters(state.filters)
      ? "Niciun document nu corespunde filtrelor."
      : "Arhiva acestei companii nu are încă documente. Ele apar după prima sincronizare cu ANAF."}</p></div>`;
  }
  return html`${pager(state, page)}${notes}${page.documents.length
    ? html`${table(page.documents)}${pagerBelow(state, page)}` : ""}`;
}

let companiesCache = { at: 0, list: null };

/** The account's companies, active and pending (a pending one is named, never shown). */
async function myCompanies({ fresh = false, maxAgeMs = 60_000 } = {}) {
  if (fresh || !companiesCache.list || Date.now() - companiesCache.at > maxAgeMs) {
    const { companies } = await api("/companies");
    companiesCache = { at: Date.now(), list: companies };
  }
  return companiesCache.list;
}

/** Why the company in the address cannot be shown, with the way to the ones that can. */
function unavailable(cif, all, active) {
  const pending = all.find((c) => c.cif === cif);
  const why = pending
    ? html`<p>Accesul dumneavoastră la <strong>${pending.name}</strong> (CIF ${cif}) nu este confirmat
        încă, așa că documentele ei nu pot fi afișate. Autorizați compania la ANAF cu certificatul
        digital din <a href="/companii" data-link>Companii</a> sau cereți unui administrator al companiei
        să vă invite.</p>`
    : html`<p>Compania cu CIF-ul ${cif} nu este în contul dumneavoastră, așa că documentele ei nu pot fi
        afișate. Verificați CIF-ul din adresă sau adăugați compania din
        <a href="/companii" data-link>Companii</a>.</p>`;
  const others = active.length ? html`<p>Documentele companiilor dumneavoastră: ${active.map((c, i) => html`${i
    ? ", " : ""}<a href="${pagePath({ cif: c.cif, filters: {} })}" data-link>${c.name}</a>`)}.</p>` : "";
  return html`<div class="mesaj avertisment" role="alert" id="companie-indisponibila">${why}${others}</div>`;
}

export default {
  title: "Documente",
  auth: true,
  render: () => html`
    <h1>Documente</h1>
    <div id="companie-documente"></div>
    <div id="mesaj-documente" role="status" aria-live="polite"></div>
    <div id="sincronizare-documente" role="status" aria-live="polite"></div>
    <div id="continut-documente" aria-busy="true"><p class="nota">Se încarcă…</p></div>
    <dialog class="dialog panou-document" id="panou-document" aria-labelledby="titlu-detaliu">
      <div id="corp-detaliu"></div>
      <div class="butoane"><button type="button" class="buton secundar contur" id="inchide-detaliu">Închide</button></div>
      <div id="mesaj-detaliu" role="status" aria-live="polite"></div>
    </dialog>`,

  async mount(root, ctx) {
    const $ = (selector) => root.querySelector(selector);
    const content = $("#continut-documente");
    const status = $("#mesaj-documente");
    const state = readState(ctx.query);
    const alive = ctx.current;

    const activeIn = (list) => list.some((c) => c.cif === state.cif && c.membership_state === "active");
    let all;
    try {
      all = await myCompanies();
      // A company just authorized or joined may be newer than the cached list: ask once more.
      if (state.cif && !activeIn(all)) all = await myCompanies({ fresh: true });
    } catch (error) {
      if (alive() && error.code !== SESSION_EXPIRED) showMessage(content, "eroare", error.message);
      return;
    }
    if (!alive()) return;
    const companies = all.filter((c) => c.membership_state === "active");
    const known = (cif) => companies.some((c) => c.cif === cif);
    if (state.cif && !known(state.cif)) {
      // Never another company in its place: the address names this one.
      setHtml(content, unavailable(state.cif, all, companies));
      content.removeAttribute("aria-busy");
      return;
    }
    if (!companies.length) {
      setHtml(content, html`<div class="gol"><p>Nu aveți încă o companie activă în cont.
        <a href="/companii" data-link>Adăugați o companie</a> și autorizați-o la ANAF; documentele
        apar aici după prima sincronizare.</p></div>`);
      content.removeAttribute("aria-busy");
      return;
    }
    const chosen = [state.cif, remembered(), companies[0].cif].find((cif) => cif && known(cif));
    if (chosen !== state.cif) {
      navigate(pagePath({ ...state, cif: chosen, cursor: null }), { replace: true });
      return;
    }
    remember(chosen);
    const company = companies.find((c) => c.cif === chosen);
    setHtml($("#companie-documente"), html`${companyPicker(companies, chosen)}
      ${companies.length < 2 ? html`<p class="subtitlu">${company.name} · CIF ${company.cif}</p>` : ""}
      ${filterForm(state)}${exportsBar(chosen)}`);

    const go = (changes) => navigate(pagePath({ ...state, exportId: null, ...changes }));

    // -- a sync "în curs": its progress here, then its new documents on offer --------------------
    const syncBox = $("#sincronizare-documente");
    let countBefore = null; // the archive's size when the sync was first seen running
    async function followSync() {
      let live = null;
      try {
        live = (await myCompanies({ maxAgeMs: SYNC_POLL_MS / 2 })).find((c) => c.cif === chosen) ?? null;
      } catch {
        // a passing failure: said nothing, the list stays as it is
      }
      if (!alive() || !live) return;
      if (live.sync_in_progress) {
        countBefore ??= live.document_count ?? 0;
        setHtml(syncBox, html`<p class="mesaj info" id="sincronizare-in-curs">Sincronizarea cu ANAF: ${
          syncInProgress(live)}</p>`);
        setTimeout(followSync, SYNC_POLL_MS);
        return;
      }
      if (countBefore === null) return; // nothing was running
      const added = (live.document_count ?? 0) - countBefore;
      setHtml(syncBox, added > 0
        ? html`<p class="mesaj succes" id="documente-noi">Sincronizarea s-a încheiat. ${
          counted(added, "document nou", "documente noi")}: <button type="button" class="buton mic" id="afiseaza-noi">Afișează</button></p>`
        : html`<p class="mesaj info" id="documente-noi">Sincronizarea s-a încheiat: niciun document nou.</p>`);
      syncBox.querySelector("#afiseaza-noi")?.addEventListener("click", () => navigate(pagePath({
        cif: chosen, filters: state.filters, pageSize: state.pageSize })));
    }
    followSync();
    $("#compania")?.addEventListener("change", (event) => {
      go({ cif: event.target.value, filters: {}, cursor: null });
    });

    const form = $("#filtre");
    mountDateFields(form);
    const showProblems = (problems) => {
      for (const name of FILTERS) {
        const error = form.querySelector(`#eroare-${name}`);
        const input = form.querySelector(`[name="${name}"]`);
        if (!error) continue;
        error.textContent = problems[name] ?? "";
        error.hidden = !problems[name];
        if (problems[name]) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const filters = {};
      for (const name of FILTERS) {
        const value = String(data.get(name) ?? "").trim();
        if (value) filters[name] = value;
      }
      const dates = readDateFields(form); // typed zz.ll.aaaa, sent as ISO
      Object.assign(filters, dates.values);
      const problems = { ...checkFilters(filters), ...dates.problems };
      showProblems(problems);
      const first = Object.keys(problems)[0];
      if (first) {
        form.querySelector(`[name="${first}"]`).focus();
        return;
      }
      go({ filters, cursor: null });
    });

    // -- exports -------------------------------------------------------------------------------
    const exportRegion = $("#stare-export");
    const exportButtons = [...root.querySelectorAll("[data-export]")];
    async function runExport(button) {
      await withProgress(button, "Se pornește…", async () => {
        try {
          const exportId = await startExport(chosen, button.dataset.export, state.filters);
          if (!alive()) return;
          history.replaceState({}, "", pagePath({ ...state, exportId }));
          exportButtons.forEach((b) => { b.disabled = true; });
          await followExport({ cif: chosen, exportId, region: exportRegion, alive });
        } catch (error) {
          if (alive()) showMessage(exportRegion, "eroare", error.message);
        } finally {
          exportButtons.forEach((b) => { b.disabled = false; });
        }
      });
    }
    exportButtons.forEach((button) => button.addEventListener("click", () => runExport(button)));
    if (state.exportId) {
      $(".exporturi").hidden = false;
      followExport({ cif: chosen, exportId: state.exportId, region: exportRegion, alive });
    }

    // -- the page of documents -----------------------------------------------------------------
    let page;
    try {
      page = await api(`/companies/${encodeURIComponent(chosen)}/documents?${apiQuery(state)}`);
    } catch (error) {
      if (!alive() || error.code === SESSION_EXPIRED) return;
      if (FILTERS.includes(error.details?.field)) showProblems({ [error.details.field]: error.message });
      const restart = error.code === "invalid_cursor";
      setHtml(content, html`<div role="alert"><p class="mesaj eroare">${error.message}</p>
        ${restart || error.status === 400 ? html`<a href="${pagePath({ cif: chosen, filters: restart
          ? state.filters : {}, pageSize: state.pageSize })}" data-link>${restart
          ? "Mergi la prima pagină" : "Șterge filtrele"}</a>` : ""}</div>`);
      content.removeAttribute("aria-busy");
      return;
    }
    if (!alive()) return;
    setHtml(content, results(state, page));
    content.removeAttribute("aria-busy");
    const nothingToExport = page.total?.exact && page.total.value === 0 && !page.partial;
    exportButtons.forEach((button) => { button.hidden = nothingToExport; });
    $("#fara-export").hidden = !nothingToExport || !!state.exportId;
    $(".exporturi").hidden = false;
    const byId = new Map(page.documents.map((d) => [d.message_id, d]));
    mountReviewList({ content, state, page, alive }); // review counts, selection and bulk actions

    $("#pe-pagina")?.addEventListener("change", (event) => {
      go({ pageSize: Number(event.target.value) || DEFAULT_PAGE_SIZE, cursor: null });
    });
    const number = state.pageNumber ?? 1;
    for (const button of content.querySelectorAll("button[data-pagina]")) {
      button.addEventListener("click", () => (button.dataset.pagina === "next"
        ? go({ cursor: page.next_cursor, direction: "next", pageNumber: number + 1 })
        : go({ cursor: page.prev_cursor, direction: "prev", pageNumber: Math.max(1, number - 1) })));
    }

    // -- detail panel and downloads --------------------------------------------------------------
    const dialog = $("#panou-document");
    const body = $("#corp-detaliu");
    const detailStatus = $("#mesaj-detaliu");
    $("#inchide-detaliu").addEventListener("click", () => dialog.close());
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close(); // a click on the backdrop
    });

    async function openDetail(messageId) {
      showMessage(detailStatus, null);
      setHtml(body, html`<h2 id="titlu-detaliu">Se încarcă…</h2>`);
      dialog.dataset.mesaj = messageId;
      if (!dialog.open) dialog.showModal();
      try {
        const { document: doc } = await api(`/companies/${encodeURIComponent(chosen)}/documents/${encodeURIComponent(messageId)}`);
        if (!alive() || dialog.dataset.mesaj !== messageId) return;
        setHtml(body, detail(doc));
        mountSupplierMessages(body, { cif: chosen, doc, canSend: ["owner", "admin"].includes(company.role), alive });
        body.querySelector("h2")?.setAttribute("tabindex", "-1");
        body.querySelector("h2")?.focus();
        if (doc.pdf_status === "ready") showPreview(doc);
        mountReviewDetail({ body, cif: chosen, doc, isCurrent: () => alive() && dialog.dataset.mesaj === messageId,
          onChange: (id, review) => markRow(content, chosen, id, review) });
      } catch (error) {
        if (alive()) showMessage(detailStatus, "eroare", error.message);
      }
    }

    async function showPreview(doc) {
      const box = body.querySelector("#previzualizare-pdf");
      try {
        const link = await api(`/companies/${encodeURIComponent(chosen)}/documents/`
          + `${encodeURIComponent(doc.message_id)}/download?format=pdf&disposition=inline`);
        if (!alive() || dialog.dataset.mesaj !== doc.message_id || !box.isConnected) return;
        setHtml(box, pdfPreview(doc, link.url));
      } catch (error) {
        if (alive() && box.isConnected) {
          setHtml(box, html`<h3 id="titlu-previzualizare">Previzualizare PDF</h3>
            <p class="nota">Previzualizarea nu este disponibilă acum (${error.message}); descărcați PDF-ul.</p>`);
        }
      }
    }

    async function download(button, messageId, region) {
      const format = button.dataset.descarca;
      await withProgress(button, "…", () => downloadFile({
        cif: chosen, messageId, format, status: region, alive,
      }));
    }

    content.addEventListener("click", (event) => {
      const row = event.target.closest("tr[data-mesaj]");
      if (!row || !byId.has(row.dataset.mesaj)) return;
      const button = event.target.closest("[data-descarca]");
      if (button) {
        download(button, row.dataset.mesaj, status);
        return;
      }
      if (event.target.closest("a, select, input")) return;
      openDetail(row.dataset.mesaj);
    });
    async function loadMoreLines(button) {
      const messageId = dialog.dataset.mesaj;
      const offset = button.dataset.maiMulteLinii;
      try {
        const { document: doc } = await withProgress(button, "Se încarcă…", () => api(
          `/companies/${encodeURIComponent(chosen)}/documents/${encodeURIComponent(messageId)}`
          + `?lines_offset=${encodeURIComponent(offset)}`));
        if (!alive() || dialog.dataset.mesaj !== messageId || !doc.invoice) return;
        const rows = document.createElement("template");
        setHtml(rows, lineRows(doc.invoice.lines));
        const tbody = body.querySelector("#linii-factura");
        tbody.append(rows.content);
        setHtml(body.querySelector("#mai-multe-linii"), moreLines(tbody.rows.length, doc.invoice.line_count,
          doc.invoice.lines_next_offset));
        body.querySelector("[data-mai-multe-linii]")?.focus();
      } catch (error) {
        if (alive()) showMessage(detailStatus, "eroare", error.message);
      }
    }

    body.addEventListener("click", (event) => {
      const more = event.target.closest("[data-mai-multe-linii]");
      if (more) {
        loadMoreLines(more);
        return;
      }
      const button = event.target.closest("[data-descarca]");
      if (button) download(button, dialog.dataset.mesaj, detailStatus);
    });
  },
};
