// How a company's data looks wherever it is shown: badges, the last sync, ANAF's public data.
import { RUN_RESULTS } from "./anaf.js";
import { html } from "./dom.js";
import { count, counted, dateTime, yesNo } from "./format.js";

const SYNC_RESULTS = {
  ok: "reușită", success: "reușită", failed: "eșuată", ...RUN_RESULTS,
};

/** The "Autorizat cu ANAF" badge; its colour comes from the state, its text from the API. */
export function authorizationBadge(company) {
  if (company.membership_state === "pending") {
    return html`<span class="insigna asteptare">neverificată</span>`;
  }
  const auth = company.authorization ?? { state: "unauthorized", label: "neautorizat" };
  return html`<span class="insigna autorizare-${auth.state}">${auth.label}</span>`;
}

/** How often a page asks again while a sync is "în curs" (the API's sync_in_progress). */
export const SYNC_POLL_MS = 2000;

/** "în curs" with the running run's counts so far; "" when no sync is asked for or running. */
export function syncInProgress(company) {
  const live = company.sync_in_progress;
  if (!live) return "";
  let detail = "se pregătește";
  if (live.state === "running") {
    detail = live.listed === null || live.listed === undefined ? "se listează mesajele din SPV"
      : `${counted(live.new, "document nou", "documente noi")} · listate: ${count(live.listed)}` +
        (live.already_archived ? ` · deja arhivate: ${count(live.already_archived)}` : "") +
        (live.failed ? ` · eșuate: ${count(live.failed)}` : "");
  }
  return html`<span class="sincronizare-in-curs" data-stare="${live.state}"><strong>în curs</strong>: ${detail}</span>`;
}

export function lastSync(company) {
  const running = syncInProgress(company);
  const sync = company.last_sync;
  if (!sync?.at) return running || "—";
  const result = sync.result ? SYNC_RESULTS[sync.result] ?? sync.result : "";
  return html`${running ? html`${running}<br>` : ""}<time datetime="${sync.at}">${dateTime(sync.at)}</time>${result
    ? html`<br><span class="nota">${result}</span>` : ""}`;
}

/** Warnings a person must see before relying on a company: inactive or struck off. */
export function statusWarnings(data) {
  return html`
    ${data.radiated ? html`<p class="mesaj avertisment">Atenție: compania figurează ca
      <strong>radiată</strong> la ANAF.</p>` : ""}
    ${data.inactive ? html`<p class="mesaj avertisment">Atenție: compania este declarată
      <strong>inactivă</strong> fiscal de ANAF.</p>` : ""}`;
}

export function publicDetails(data) {
  return html`
    <dl class="date">
      <dt>Denumire</dt><dd class="denumire">${data.name}</dd>
      <dt>CIF</dt><dd>${data.vat_payer ? "RO" : ""}${data.cif}</dd>
      <dt>Nr. Reg. Com.</dt><dd>${data.registration_number || "—"}</dd>
      <dt>Adresă</dt><dd>${data.address || "—"}</dd>
      ${data.registration_status
        ? html`<dt>Stare la registru</dt><dd>${data.registration_status}</dd>` : ""}
      <dt>Plătitor de TVA</dt><dd>${yesNo(data.vat_payer)}</dd>
      <dt>Înregistrat în RO e-Factura</dt><dd>${yesNo(data.efactura_registered)}</dd>
    </dl>
    ${statusWarnings(data)}`;
}
