// Connecting companies to ANAF and the archive engine, as the pages show them: starting the
// authorization (the USB certificate step happens at ANAF), what came back from ANAF, "Sincronizează
// acum", the sync history and "Importă arhive SPV". Shared by the dashboard and the company page.
import { api } from "./api.js";
import { confirmDialog, fieldError, html, withProgress } from "./dom.js";
import { count, date, dateTime } from "./format.js";

/** States in which the company has an ANAF credential that syncs (or will until it runs out). */
const SYNCING = new Set(["authorized", "expiring"]);
/** States in which a credential is still attached (what "Deconectează" removes). */
const CONNECTED = new Set(["authorized", "expiring", "expired"]);

export const MAX_IMPORT_BYTES = 200 * 1024 * 1024; // the presigned upload's limit (services/imports.py)

export function canAdminister(company) {
  return company.membership_state === "active" && (company.role === "owner" || company.role === "admin");
}

function authState(company) {
  return company.authorization?.state ?? "unauthorized";
}

/** Who may start the ANAF step: owners and admins, and a pending member (proof of SPV rights). */
export function canAuthorize(company) {
  return company.membership_state === "pending" || canAdminister(company);
}

export function canSync(company) {
  return canAdminister(company) && SYNCING.has(authState(company));
}

export function isConnected(company) {
  return CONNECTED.has(authState(company));
}

/** "Reautorizează" once the company has been authorized (renewing, or after expiry/revocation). */
export function authorizeLabel(company) {
  return company.membership_state !== "pending" && authState(company) !== "unauthorized"
    ? "Reautorizează" : "Autorizează";
}

/** Whether the dashboard row offers the ANAF step: not while a valid authorization runs for
 *  more than two weeks ("expiring", "expired", "revoked", "no_spv_rights" ask for a new one). */
export function needsAuthorization(company) {
  return canAuthorize(company) &&
    (company.membership_state === "pending" || authState(company) !== "authorized");
}

function explanation(company) {
  return html`
    <p>Veți fi trimis pe pagina ANAF de autentificare cu certificat digital pentru compania
      <strong>${company.name}</strong> (CIF ${company.cif}).</p>
    <ul class="lista-pasi">
      <li>Conectați acum la calculator <strong>certificatul digital calificat (token-ul USB)</strong>;
        browserul vă va cere să alegeți certificatul și PIN-ul lui.</li>
      <li>Certificatul trebuie să aibă <strong>drept de acces în SPV</strong> pentru această companie.</li>
      ${company.membership_state === "pending"
        ? html`<li>Autorizarea dovedește că aveți acces la companie: vedeți facturile ei imediat
            după aceea.</li>` : ""}
      <li>Continuați în acest browser: autorizarea pornită aici nu poate fi terminată din alt
        browser sau de altă persoană (pentru titularul certificatului trimiteți un link).</li>
    </ul>
    ${company.membership_state === "pending" ? "" : html`<p class="nota">Nu aveți certificatul? Din
      pagina companiei puteți trimite un link de autorizare persoanei care îl are (de exemplu
      contabilului).</p>`}`;
}

/**
 * "Autorizează": one click and one confirmation, then the browser goes to ANAF. Resolves to false
 * when the person changed their mind; throws the API's error (shown by the caller).
 */
export async function startAuthorization(company, button) {
  const yes = await confirmDialog({
    title: `${authorizeLabel(company)} la ANAF`,
    body: explanation(company),
    confirmLabel: "Continuă la ANAF",
  });
  if (!yes) return false;
  await withProgress(button, "Se deschide ANAF…", async () => {
    const { authorization_url: url } = await api(
      `/companies/${encodeURIComponent(company.cif)}/anaf/authorize`, { method: "POST" });
    location.assign(url);
  });
  return true;
}

/**
 * "Trimite link de autorizare": checks the address, shows progress on the form's button, sends
 * the link. Resolves to the address sent to, or null (the field says why); throws the API's error.
 */
export async function sendAuthorizationLink(cif, form, input, errorElement) {
  const address = input.value.trim();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
    fieldError(input, errorElement, "Introduceți adresa de e-mail a titularului certificatului.");
    input.focus();
    return null;
  }
  fieldError(input, errorElement, "");
  await withProgress(form.querySelector("button[type=submit]"), "Se trimite…", () => api(
    `/companies/${encodeURIComponent(cif)}/anaf/link`, { method: "POST", body: { email: address } }));
  input.value = "";
  return address;
}

// -- back from ANAF -------------------------------------------------------------------------------

/** "FIRMA SRL (CIF 123)", or "CIF 123" when the company is not in the list. */
function named(cif, byCif) {
  const company = byCif.get(cif);
  return company ? `${company.name} (CIF ${cif})` : `CIF ${cif}`;
}

/** The query ANAF's callback put on /companii or /autorizare-anaf. */
export function callbackResult(query) {
  return { outcome: query.get("anaf"), cif: query.get("cif") ?? "" };
}

/** { kind, text } for the dashboard after ANAF's redirect; companies are the account's list. */
export function dashboardOutcome({ outcome, cif }, companies) {
  const byCif = new Map(companies.map((c) => [c.cif, c]));
  const company = byCif.get(cif);
  const name = company ? `Compania ${company.name} (CIF ${cif})` : `Compania cu CIF-ul ${cif}`;
  switch (outcome) {
    case "connected": {
      const until = company?.authorization?.until;
      return {
        kind: "succes",
        text: `${name} a fost autorizată la ANAF${until ? ` până la ${date(until)}` : ""}.` +
          " Prima sincronizare pornește în câteva minute.",
      };
    }
    case "proven":
      return {
        kind: "succes",
        text: `${name} este verificată: certificatul are drept SPV pentru ea, așa că vedeți acum ` +
          "arhiva ei. Compania era deja autorizată la ANAF și se sincronizează în continuare.",
      };
    case "cancelled":
      return {
        kind: "info",
        text: `Autorizarea la ANAF a fost anulată${cif ? ` pentru ${named(cif, byCif)}` : ""}. ` +
          "Nu s-a schimbat nimic; o puteți relua oricând cu „Autorizează”.",
      };
    case "no_spv_rights":
      return {
        kind: "eroare",
        text: `Certificatul ales nu are drept SPV pentru CIF ${cif}${company ? ` (${company.name})` : ""}. ` +
          "Alegeți certificatul unei persoane care are drept de acces în SPV pentru companie sau " +
          "trimiteți-i un link de autorizare.",
      };
    case "anaf_error":
      return {
        kind: "eroare",
        text: `ANAF nu a confirmat autorizarea${cif ? ` pentru ${named(cif, byCif)}` : ""}. Codul ` +
          "primit de la ANAF este valabil doar 60 de secunde, iar serviciul ANAF poate fi temporar " +
          "indisponibil. Încercați din nou peste câteva minute, fără să așteptați pe pagina ANAF.",
      };
    case "invalid_request":
      return {
        kind: "eroare",
        text: "Cererea de autorizare nu este valabilă: a expirat (durează 10 minute), a fost deja " +
          "folosită sau a fost terminată în alt browser decât cel în care a pornit. Porniți din nou " +
          "autorizarea cu „Autorizează”, în acest browser.",
      };
    default:
      return { kind: "eroare", text: "Rezultatul autorizării la ANAF nu poate fi afișat. Verificați starea companiei în listă." };
  }
}

// -- sync runs ------------------------------------------------------------------------------------

export const RUN_RESULTS = {
  complete: "completă",
  partial: "parțială",
  anaf_unavailable: "ANAF indisponibil",
  daily_limit: "limita zilnică ANAF atinsă",
  budget_exhausted: "limită de apeluri atinsă",
  expired: "autorizare expirată",
  no_spv_rights: "fără drept SPV",
  not_authorized: "neautorizată",
  error: "eroare",
};

const RUN_REASONS = { manual: "manuală", schedule: "programată", scheduled: "programată" };

const GOOD = new Set(["complete"]);
const WARN = new Set(["partial", "anaf_unavailable", "daily_limit", "budget_exhausted"]);

/** The run's result in Romanian; a run that finished but lost messages (gone from SPV after
 *  60 days) says so instead of reading "completă". */
export function runResult(result, lost = 0) {
  if (!result) return "în curs";
  if (result === "complete" && lost > 0) return "completă, cu pierderi";
  return RUN_RESULTS[result] ?? result;
}

function resultClass(result, lost = 0) {
  if (!result) return "rezultat-curs";
  if (GOOD.has(result) && !lost) return "rezultat-bun";
  return WARN.has(result) || GOOD.has(result) ? "rezultat-partial" : "rezultat-rau";
}

// Every error kind a sync run records (chalicelib/services/sync.py): the authorization's
// exception class, ANAF's error codes (chalicelib/anaf/errors.py), our call budget's limits
// (services/budget.py) and the reasons a downloaded ZIP is refused (zip_<reason>, invoices/anaf_zip.py).
const AUTHORIZATION = "autorizarea ANAF nu mai funcționează";
const LOST = "pierdute: mesaje șterse din SPV (după 60 de zile)";
const ERROR_KINDS = {
  CredentialMissing: "autorizarea ANAF lipsește",
  CredentialInvalid: "autorizarea ANAF salvată nu mai poate fi folosită",
  AnafAuthError: AUTHORIZATION,
  AnafTokenRejected: "ANAF a refuzat tokenul de acces",
  AnafReauthorizationRequired: "ANAF cere o nouă autorizare",
  AnafClientInvalid: "ANAF nu mai recunoaște aplicația",
  AnafNoSpvRights: "certificatul nu are drept de acces în SPV",
  daily_limit: "limita zilnică de apeluri ANAF atinsă",
  calls_per_minute: "limita de apeluri pe minut atinsă (continuă la următoarea rulare)",
  lists_per_cif: "limita zilnică de listări atinsă",
  downloads_per_message: "limita zilnică de descărcări ale aceluiași mesaj atinsă",
  status_per_upload: "limita zilnică de verificări ale stării unui mesaj către furnizor atinsă",
  message_expired: LOST,
  anaf_error: "eroare ANAF",
  anaf_unavailable: "ANAF indisponibil",
  anaf_maintenance: "ANAF în mentenanță",
  anaf_waf_rejected: "cerere blocată de protecția ANAF",
  anaf_technical_error: "eroare tehnică la ANAF",
  anaf_unexpected_response: "răspuns neașteptat de la ANAF",
  anaf_rate_limited: "ANAF a cerut o pauză (prea multe cereri)",
  anaf_daily_limit: "limita zilnică de apeluri ANAF atinsă",
  anaf_auth_error: AUTHORIZATION,
  anaf_token_rejected: "ANAF a refuzat tokenul de acces",
  anaf_reauthorization_required: "ANAF cere o nouă autorizare",
  anaf_client_invalid: "ANAF nu mai recunoaște aplicația",
  anaf_no_spv_rights: "certificatul nu are drept de acces în SPV",
  anaf_invalid_request: "cerere respinsă de ANAF ca invalidă",
  anaf_list_too_large: "lista de mesaje ANAF este prea mare",
  anaf_message_not_found: "mesaj negăsit la ANAF",
  anaf_message_forbidden: "ANAF a refuzat accesul la mesaj",
  anaf_message_expired: LOST,
  anaf_corrupt_zip: "ANAF a trimis un ZIP deteriorat",
  anaf_upload_rejected: "încărcare respinsă de ANAF",
  anaf_rejected: "respins de ANAF",
  zip_not_a_zip: "descărcare care nu este o arhivă ZIP",
  zip_too_large: "arhivă ZIP prea mare",
  zip_truncated: "arhivă ZIP incompletă",
  zip_corrupt: "arhivă ZIP deteriorată",
  zip_crc_mismatch: "arhivă ZIP deteriorată (sumă de control greșită)",
  zip_unsafe_name: "arhivă ZIP cu nume de fișier nesigur",
  zip_encrypted: "arhivă ZIP criptată",
  zip_unsupported_compression: "arhivă ZIP cu compresie nesuportată",
  zip_zip_bomb: "arhivă ZIP suspectă (prea mare după dezarhivare)",
  zip_wrong_members: "arhivă ZIP cu alt conținut decât cel de la ANAF",
  zip_index_mismatch: "arhivă ZIP a altei încărcări",
};

/** The Romanian label of a run's error kind; an unforeseen kind still reads as Romanian. */
export function errorKindLabel(kind) {
  return Object.hasOwn(ERROR_KINDS, kind) ? ERROR_KINDS[kind] : `altă eroare (${kind})`;
}

function errorsByKind(errors) {
  const entries = Object.entries(errors ?? {}).filter(([, n]) => n > 0);
  if (!entries.length) return "—";
  return html`<ul class="erori-tip">${entries.map(([kind, n]) => html`<li data-tip="${kind}">${errorKindLabel(kind)}: ${count(n)}</li>`)}</ul>`;
}

function runWindow(run) {
  const span = run.window ?? {};
  if (!span.start && !span.end) return "—";
  return html`${dateTime(span.start)} –<br>${dateTime(span.end)}`;
}

function runRow(run) {
  return html`
    <tr>
      <td data-eticheta="Pornită la"><time datetime="${run.started_at ?? ""}">${dateTime(run.started_at)}</time></td>
      <td data-eticheta="Motiv">${RUN_REASONS[run.reason] ?? run.reason ?? "—"}</td>
      <td data-eticheta="Rezultat"><span class="rezultat ${resultClass(run.result, run.lost)}">${runResult(run.result, run.lost)}</span></td>
      <td data-eticheta="Interval verificat" class="interval">${runWindow(run)}</td>
      <td data-eticheta="Listate" class="numar">${count(run.listed)}</td>
      <td data-eticheta="Noi" class="numar">${count(run.new)}</td>
      <td data-eticheta="Deja arhivate" class="numar">${count(run.already_archived)}</td>
      <td data-eticheta="Eșuate" class="numar">${count(run.failed)}</td>
      <td data-eticheta="Pierdute" class="numar">${count(run.lost)}</td>
      <td data-eticheta="Apeluri ANAF" class="numar">${count(run.anaf_calls)}</td>
      <td data-eticheta="Erori">${errorsByKind(run.errors)}</td>
    </tr>`;
}

export function runsTable(runs) {
  if (!runs.length) {
    return html`<p class="nota" id="fara-sincronizari">Nu a avut loc încă nicio sincronizare.</p>`;
  }
  return html`
    <div class="tabel-derulant">
      <table class="tabel sincronizari">
        <caption class="ascuns">Ultimele sincronizări cu ANAF, cele mai noi întâi</caption>
        <thead>
          <tr>
            <th scope="col">Pornită la</th><th scope="col">Motiv</th><th scope="col">Rezultat</th>
            <th scope="col">Interval verificat</th><th scope="col">Listate</th><th scope="col">Noi</th>
            <th scope="col">Deja arhivate</th><th scope="col">Eșuate</th><th scope="col">Pierdute</th>
            <th scope="col">Apeluri ANAF</th><th scope="col">Erori</th>
          </tr>
        </thead>
        <tbody>${runs.map(runRow)}</tbody>
      </table>
    </div>`;
}

/** "Sincronizează acum" → resolves when the API queued it; throws the API's error otherwise. */
export function requestSync(cif) {
  return api(`/companies/${encodeURIComponent(cif)}/sync`, { method: "POST" });
}

export function syncProblem(error, company) {
  const messages = {
    not_authorized_at_anaf: `Compania ${company.name} nu este autorizată la ANAF. Autorizați-o mai întâi.`,
    not_allowed: "Doar proprietarii și administratorii companiei pot porni sincronizarea.",
  };
  return messages[error.code] ?? error.message;
}

// -- "Importă arhive SPV" -------------------------------------------------------------------------
// The ZIP goes straight to S3 (a presigned POST the API signs for a key it chooses); the API then
// queues the job and a worker archives the ZIPs, recording its progress, which the page polls.

const IMPORT_POLL_MS = 1000;
const MB = 1024 * 1024;

function megabytes(bytes) {
  return (bytes / MB).toFixed(1).replace(".", ",");
}

/** The Romanian complaint about a chosen file, or null when it may be uploaded. */
export function checkImportFile(file) {
  if (!file) return "Alegeți arhiva ZIP descărcată din SPV.";
  const zip = /\.zip$/i.test(file.name) || /zip/.test(file.type);
  if (!zip) return `Fișierul „${file.name}” nu este o arhivă ZIP. Alegeți ZIP-ul descărcat din SPV.`;
  if (file.size === 0) return `Fișierul „${file.name}” este gol.`;
  if (file.size > MAX_IMPORT_BYTES) {
    return `Fișierul „${file.name}” are ${megabytes(file.size)} MB; ` +
      `limita este ${MAX_IMPORT_BYTES / MB} MB. Împărțiți arhivele în mai multe ZIP-uri.`;
  }
  return null;
}

const UPLOAD_FAILED = "Arhiva nu a putut fi încărcată. Verificați conexiunea și încercați din nou.";

/** Create the job, upload the ZIP to S3 with the signed form, start the job; returns the job. */
export async function importArchive(cif, file) {
  const base = `/companies/${encodeURIComponent(cif)}/imports`;
  const created = await api(base, { method: "POST", body: { file_name: file.name, size: file.size } });
  const form = new FormData();
  for (const [name, value] of Object.entries(created.upload.fields)) form.append(name, value);
  form.append("file", file); // last: S3 ignores the fields after the file
  let uploaded;
  try {
    uploaded = await fetch(created.upload.url, { method: "POST", body: form });
  } catch {
    throw new Error(UPLOAD_FAILED);
  }
  if (!uploaded.ok) throw new Error(UPLOAD_FAILED);
  const id = encodeURIComponent(created.import.import_id);
  return (await api(`${base}/${id}/start`, { method: "POST" })).import;
}

/** Poll a job until it is done or failed, drawing it with `draw`; returns the last state. */
export async function followImport(cif, importId, draw, alive) {
  const path = `/companies/${encodeURIComponent(cif)}/imports/${encodeURIComponent(importId)}`;
  for (;;) {
    const job = (await api(path)).import;
    if (!alive()) return null;
    draw(job);
    if (job.state === "done" || job.state === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, IMPORT_POLL_MS));
    if (!alive()) return null;
  }
}

export function importProblem(error) {
  if (error.code === "import_too_large") {
    return `Arhiva depășește ${MAX_IMPORT_BYTES / MB} MB: împărțiți-o în mai multe arhive ZIP.`;
  }
  return error.message;
}

const IMPORT_STATUS = { archived: "arhivat", duplicate: "duplicat", rejected: "respins" };
const KIND_NAMES = {
  received: "factură primită", sent: "factură trimisă", error: "mesaj de eroare",
  buyer_message: "mesaj de la cumpărător", unknown: "document necunoscut",
};
const JOB_STATES = {
  awaiting_upload: "Se încarcă arhiva…", queued: "Arhiva a fost încărcată; importul începe în curând…",
  running: "Se importă…", done: "Import încheiat.", failed: "Importul nu a putut fi făcut.",
};

function importRow(file) {
  const details = file.status === "rejected"
    ? file.reason ?? "—"
    : html`${KIND_NAMES[file.kind] ?? file.kind ?? ""}${file.status === "duplicate"
      ? html`<br><span class="nota">era deja în arhivă; nu a fost adăugat a doua oară</span>` : ""}`;
  return html`
    <tr class="import-${file.status}">
      <td data-eticheta="Fișier" class="fisier">${file.name}</td>
      <td data-eticheta="Rezultat"><span class="rezultat ${file.status === "archived" ? "rezultat-bun"
        : file.status === "duplicate" ? "rezultat-curs" : "rezultat-rau"}">${IMPORT_STATUS[file.status] ?? file.status}</span></td>
      <td data-eticheta="Detalii">${details}</td>
    </tr>`;
}

function importProgress(job) {
  const total = job.progress?.total;
  if (job.state === "done" || job.state === "failed") return "";
  return html`<div class="progres-import">
    <label for="progres-import">${JOB_STATES[job.state] ?? job.state}${total
      ? html` — ${count(job.progress.done)} din ${count(total)} fișiere` : ""}</label>
    <progress id="progres-import" max="${total || 1}" value="${job.progress?.done ?? 0}"></progress></div>`;
}

/** An import job as the page shows it: its state and progress, the counts, each file's result. */
export function importResult(job) {
  const counts = job.counts ?? {};
  const files = job.files ?? [];
  return html`
    <p class="nota" id="stare-import" data-stare="${job.state}">„${job.file_name}”: ${JOB_STATES[job.state] ?? job.state}</p>
    ${job.state === "failed" ? html`<p class="mesaj eroare" id="eroare-job-import">${job.error?.message ?? ""}</p>` : ""}
    ${importProgress(job)}
    ${job.state === "failed" ? "" : html`
    <p class="sumar-import" id="sumar-import">Arhivate: <strong>${count(counts.archived)}</strong> ·
      Duplicate: <strong>${count(counts.duplicate)}</strong> ·
      Respinse: <strong>${count(counts.rejected)}</strong></p>`}
    ${files.length ? html`
      <div class="tabel-derulant">
        <table class="tabel import">
          <caption class="ascuns">Rezultatul importului, pe fișiere</caption>
          <thead><tr><th scope="col">Fișier</th><th scope="col">Rezultat</th><th scope="col">Detalii</th></tr></thead>
          <tbody>${files.map(importRow)}</tbody>
        </table>
      </div>` : job.state === "done" ? html`<p class="nota">Arhiva nu conține niciun ZIP ANAF.</p>` : ""}`;
}
