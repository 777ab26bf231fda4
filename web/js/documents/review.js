// The review of received invoices on the Documents page: the counts by state (links that filter
// the list), a checkbox per received invoice with bulk actions ("Aprobă selecția", …), and in
// the document dialog the state, its actions, the history and the comments. Kept apart from the
// list and the dialog (view.js, pages/documents.js): it adds its column and sections to what
// they rendered. All data goes through html`…`.
import { api } from "../api.js";
import { html, setHtml, showMessage, withProgress } from "../dom.js";
import { count, counted, dateTime } from "../format.js";
import { pagePath } from "./query.js";

export const STATES = {
  to_review: "de verificat", approved: "aprobată", rejected: "respinsă", booked: "înregistrată în contabilitate",
};
const TABS = [["to_review", "De verificat"], ["approved", "Aprobate"], ["rejected", "Respinse"],
  ["booked", "Înregistrate"]];
// The actions offered, by target state (a state never offers itself).
const ACTIONS = [["approved", "Aprobă"], ["rejected", "Respinge"], ["booked", "Înregistrează în contabilitate"],
  ["to_review", "Înapoi la de verificat"]];
const BULK = [["approved", "Aprobă selecția"], ["rejected", "Respinge selecția"],
  ["booked", "Înregistrează selecția"], ["to_review", "Înapoi la de verificat"]];

const base = (cif) => `/companies/${encodeURIComponent(cif)}`;

export function stateBadge(state) {
  return html`<span class="insigna verificare-${state}" data-stare-verificare="${state}">${STATES[state] ?? state}</span>`;
}

function tabs(state, counts) {
  const active = state.filters.review ?? "";
  const link = (review, label, value) => {
    const filters = { ...state.filters };
    if (review) filters.review = review;
    else delete filters.review;
    return html`<li><a href="${pagePath({ cif: state.cif, filters, pageSize: state.pageSize })}" data-link
      data-filtru-verificare="${review}" ${active === review ? html`aria-current="page"` : ""}>${label}${value === null
      ? "" : html` <span class="numar-verificare">(${count(value)})</span>`}</a></li>`;
  };
  return html`<h2 id="titlu-verificare" class="ascuns">Verificarea facturilor primite</h2>
    <ul class="file-verificare">
      ${link("", "Toate documentele", null)}
      ${TABS.map(([review, label]) => link(review, label, counts[review]))}
    </ul>
    <input type="hidden" name="review" form="filtre" value="${active}">`;
}

function bulkBar() {
  return html`<div class="bara-selectie" id="bara-selectie" role="group" aria-labelledby="selectie-numar">
    <span id="selectie-numar" aria-live="polite">Nicio factură selectată</span>
    ${BULK.map(([state, label]) => html`<button type="button" class="buton mic ${state === "approved" ? ""
      : "secundar contur"}" data-selectie="${state}" disabled>${label}</button>`)}
    <form class="motiv-selectie" id="motiv-selectie" hidden novalidate>
      <label for="motiv-respingere-selectie">Motivul respingerii</label>
      <textarea id="motiv-respingere-selectie" rows="2" maxlength="500" required
        aria-describedby="eroare-motiv-selectie"></textarea>
      <p class="eroare-camp" id="eroare-motiv-selectie" role="alert" hidden></p>
      <div class="butoane"><button type="submit" class="buton mic pericol">Respinge facturile selectate</button>
        <button type="button" class="buton mic secundar contur" id="anuleaza-respingere">Anulează</button></div>
    </form>
    <div id="rezultat-selectie" role="status" aria-live="polite"></div>
  </div>`;
}

/** The list: the counts bar above it, and for reviewers the selection column and bulk bar. */
export async function mountReviewList({ content, state, page, alive }) {
  let answer;
  try {
    answer = await api(`${base(state.cif)}/reviews/counts`);
  } catch {
    return; // the list stays usable without the review tools
  }
  if (!alive()) return;
  const section = document.createElement("section");
  section.className = "verificare-lista";
  section.id = "verificare-lista";
  section.setAttribute("aria-labelledby", "titlu-verificare");
  setHtml(section, tabs(state, answer.counts));
  content.before(section);
  const byId = new Map(page.documents.map((d) => [d.message_id, d]));
  const table = content.querySelector("table.documente");
  if (!table) return;
  // A "Verificare" column after "Tip": each received invoice's state and, for reviewers, its
  // checkbox (the row's click handler leaves inputs alone, so ticking it opens no dialog).
  const reviewer = answer.can_review;
  const head = table.querySelector("thead tr");
  const th = document.createElement("th");
  th.scope = "col";
  setHtml(th, reviewer ? html`<span class="selectie"><input type="checkbox" id="selecteaza-tot"
      aria-label="Selectează toate facturile primite de pe pagină"> Verificare</span>` : html`Verificare`);
  head.children[3].after(th);
  for (const row of table.querySelectorAll("tbody tr[data-mesaj]")) {
    const doc = byId.get(row.dataset.mesaj);
    const cell = document.createElement("td");
    cell.dataset.eticheta = "Verificare";
    cell.className = "selectie";
    setHtml(cell, doc?.review_state ? html`${reviewer ? html`<input type="checkbox" data-selecteaza="${doc.message_id}"
      aria-label="Selectează factura ${doc.number || doc.message_id}"> ` : ""}${stateBadge(doc.review_state)}` : html`—`);
    row.children[3].after(cell);
  }
  if (reviewer) mountBulk({ table, state, section, alive });
}

function mountBulk({ table, state, section, alive }) {
  const holder = document.createElement("div");
  setHtml(holder, bulkBar());
  const bar = holder.firstElementChild;
  table.closest(".tabel-derulant").before(bar);
  const boxes = () => [...table.querySelectorAll("input[data-selecteaza]")];
  const chosen = () => boxes().filter((b) => b.checked).map((b) => b.dataset.selecteaza);
  const label = bar.querySelector("#selectie-numar");
  const buttons = [...bar.querySelectorAll("[data-selectie]")];
  const all = table.querySelector("#selecteaza-tot");
  const reasonForm = bar.querySelector("#motiv-selectie");
  const reason = bar.querySelector("#motiv-respingere-selectie");
  const reasonError = bar.querySelector("#eroare-motiv-selectie");
  const result = bar.querySelector("#rezultat-selectie");
  const refresh = () => {
    const n = chosen().length;
    label.textContent = n ? (n === 1 ? "O factură selectată" : `${counted(n, "factură", "facturi")} selectate`) : "Nicio factură selectată";
    buttons.forEach((b) => { b.disabled = n === 0; });
    all.checked = n > 0 && n === boxes().length;
    all.indeterminate = n > 0 && n < boxes().length;
    if (!n) reasonForm.hidden = true;
  };
  table.addEventListener("change", (event) => {
    if (event.target === all) boxes().forEach((b) => { b.checked = all.checked; });
    refresh();
  });

  async function apply(button, target, why) {
    const ids = chosen();
    await withProgress(button, "Se aplică…", async () => {
      try {
        const outcome = await api(`${base(state.cif)}/reviews/state`, {
          method: "POST", body: { message_ids: ids, state: target, ...(why ? { reason: why } : {}) },
        });
        if (!alive()) return;
        for (const item of outcome.results) {
          if (item.status !== "changed") continue;
          const row = table.querySelector(`tr[data-mesaj="${CSS.escape(item.message_id)}"]`);
          const badge = row?.querySelector("[data-stare-verificare]");
          if (badge) badge.replaceWith(badgeElement(item.state));
          const box = row?.querySelector("input[data-selecteaza]");
          if (box) box.checked = false;
        }
        const refused = outcome.results.filter((r) => r.status !== "changed");
        const text = (outcome.changed === 1 ? `O factură ${STATE_SINGULAR[target]}.`
          : `${counted(outcome.changed, "factură", "facturi")} ${STATE_PLURAL[target]}.`)
          + (refused.length ? ` Nu s-au putut schimba ${count(refused.length)}: ${refused[0].error.message}` : "");
        showMessage(result, refused.length ? "avertisment" : "succes", text);
        updateCounts(section, outcome.counts);
        reasonForm.hidden = true;
        reason.value = "";
        refresh();
      } catch (error) {
        if (alive()) showMessage(result, "eroare", error.message);
      }
    });
  }

  for (const button of buttons) {
    button.addEventListener("click", () => {
      if (button.dataset.selectie === "rejected") {
        reasonForm.hidden = false;
        reason.focus();
        return;
      }
      apply(button, button.dataset.selectie);
    });
  }
  bar.querySelector("#anuleaza-respingere").addEventListener("click", () => { reasonForm.hidden = true; });
  reasonForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const why = reason.value.trim();
    reasonError.hidden = !!why;
    reasonError.textContent = why ? "" : "Scrieți motivul respingerii.";
    if (!why) {
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return;
    }
    reason.removeAttribute("aria-invalid");
    apply(reasonForm.querySelector("button[type=submit]"), "rejected", why);
  });
}

const STATE_SINGULAR = {
  approved: "aprobată", rejected: "respinsă", booked: "înregistrată în contabilitate", to_review: "trecută la de verificat",
};
const STATE_PLURAL = {
  approved: "aprobate", rejected: "respinse", booked: "înregistrate în contabilitate", to_review: "trecute la de verificat",
};

function badgeElement(state) {
  const holder = document.createElement("span");
  setHtml(holder, stateBadge(state));
  return holder.firstElementChild;
}

/** After a change in the dialog: the row's badge and the counts follow. */
export async function markRow(content, cif, messageId, state) {
  const badge = content.querySelector(`tr[data-mesaj="${CSS.escape(messageId)}"] [data-stare-verificare]`);
  if (badge) badge.replaceWith(badgeElement(state));
  const section = document.querySelector("#verificare-lista");
  if (!section) return;
  try {
    updateCounts(section, (await api(`${base(cif)}/reviews/counts`)).counts);
  } catch {
    // the counts catch up on the next page load
  }
}

function updateCounts(section, counts) {
  for (const link of section.querySelectorAll("[data-filtru-verificare]")) {
    const value = counts[link.dataset.filtruVerificare];
    const number = link.querySelector(".numar-verificare");
    if (number && value !== undefined) number.textContent = `(${count(value)})`;
  }
}

// -- the document dialog ----------------------------------------------------------------------------

function eventLine(item) {
  const when = html`<time datetime="${item.at}">${dateTime(item.at)}</time>`;
  const who = item.by ?? "—";
  if (item.type === "comment") {
    return html`<li class="eveniment comentariu"><span class="nota">${when} · ${who} a comentat:</span>
      <p>${item.text}</p></li>`;
  }
  return html`<li class="eveniment schimbare"><span class="nota">${when} · ${who}:</span>
    ${item.from_label ?? item.from} → <strong>${item.to_label ?? item.to}</strong>${item.reason
      ? html`<p>Motiv: ${item.reason}</p>` : ""}</li>`;
}

function reviewSection(review) {
  const actions = review.can_review ? ACTIONS.filter(([target]) => target !== review.state
    && !(review.state === "rejected" && target === "booked")) : [];
  return html`<h3 id="titlu-verificare-document">Verificare</h3>
    <p>Stare: ${stateBadge(review.state)}</p>
    ${review.reason ? html`<p class="mesaj avertisment" id="motiv-respingere">Motivul respingerii: ${review.reason}</p>` : ""}
    ${actions.length ? html`<div class="butoane actiuni-verificare">${actions.map(([target, label]) => html`<button
      type="button" class="buton mic ${target === "approved" ? "" : "secundar contur"}" data-verificare="${target}">${label}</button>`)}</div>
      <form id="formular-respingere" class="formular-verificare" hidden novalidate>
        <label for="motiv-respingere-document">Motivul respingerii</label>
        <textarea id="motiv-respingere-document" rows="2" maxlength="500" required
          aria-describedby="eroare-motiv-document"></textarea>
        <p class="eroare-camp" id="eroare-motiv-document" role="alert" hidden></p>
        <div class="butoane"><button type="submit" class="buton mic pericol">Respinge factura</button></div>
      </form>` : ""}
    <h4>Istoric și comentarii</h4>
    ${review.events.length ? html`<ol class="istoric-verificare">${review.events.map(eventLine)}</ol>`
      : html`<p class="nota">Nicio schimbare și niciun comentariu încă.</p>`}
    ${review.can_review ? html`<form id="formular-comentariu" class="formular-verificare" novalidate>
      <label for="text-comentariu">Comentariu</label>
      <textarea id="text-comentariu" rows="2" maxlength="2000" aria-describedby="eroare-comentariu"></textarea>
      <p class="eroare-camp" id="eroare-comentariu" role="alert" hidden></p>
      <div class="butoane"><button type="submit" class="buton mic secundar contur">Adaugă comentariul</button></div>
    </form>` : ""}
    <div id="mesaj-verificare" role="status" aria-live="polite"></div>`;
}

/** The review section of a received invoice's dialog (before its buttons). */
export async function mountReviewDetail({ body, cif, doc, isCurrent, onChange }) {
  if (doc.kind !== "received") return;
  const section = document.createElement("section");
  section.className = "verificare-document";
  section.id = "verificare-document";
  section.setAttribute("aria-labelledby", "titlu-verificare-document");
  const buttons = body.querySelector(":scope > .butoane");
  if (buttons) buttons.before(section);
  else body.append(section);
  const path = `${base(cif)}/documents/${encodeURIComponent(doc.message_id)}/review`;

  const show = (review, message) => {
    setHtml(section, reviewSection(review));
    if (message) showMessage(section.querySelector("#mesaj-verificare"), "succes", message);
  };
  try {
    const { review } = await api(path);
    if (!isCurrent()) return;
    show(review);
  } catch (error) {
    if (isCurrent()) setHtml(section, html`<p class="mesaj eroare">${error.message}</p>`);
    return;
  }

  async function change(button, target, reason) {
    await withProgress(button, "Se salvează…", async () => {
      try {
        const { review } = await api(`${path}/state`, {
          method: "POST", body: { state: target, ...(reason ? { reason } : {}) },
        });
        if (!isCurrent()) return;
        show(review, `Factura este acum ${STATES[review.state]}.`);
        onChange?.(doc.message_id, review.state);
        section.querySelector("#titlu-verificare-document")?.setAttribute("tabindex", "-1");
        section.querySelector("#titlu-verificare-document")?.focus();
      } catch (error) {
        if (isCurrent()) showMessage(section.querySelector("#mesaj-verificare"), "eroare", error.message);
      }
    });
  }

  section.addEventListener("click", (event) => {
    const button = event.target.closest("[data-verificare]");
    if (!button) return;
    if (button.dataset.verificare === "rejected") {
      const form = section.querySelector("#formular-respingere");
      form.hidden = false;
      form.querySelector("textarea").focus();
      return;
    }
    change(button, button.dataset.verificare);
  });
  section.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const field = form.querySelector("textarea");
    const error = form.querySelector(".eroare-camp");
    const text = field.value.trim();
    const missing = form.id === "formular-respingere" ? "Scrieți motivul respingerii." : "Scrieți comentariul.";
    error.hidden = !!text;
    error.textContent = text ? "" : missing;
    if (!text) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
      return;
    }
    field.removeAttribute("aria-invalid");
    const submit = form.querySelector("button[type=submit]");
    if (form.id === "formular-respingere") {
      change(submit, "rejected", text);
      return;
    }
    await withProgress(submit, "Se salvează…", async () => {
      try {
        await api(`${path}/comments`, { method: "POST", body: { text } });
        const { review } = await api(path);
        if (isCurrent()) show(review, "Comentariul a fost adăugat.");
      } catch (failure) {
        if (isCurrent()) showMessage(section.querySelector("#mesaj-verificare"), "eroare", failure.message);
      }
    });
  });
}
