// Downloads: one file of a document (PDF / XML / original) through a short-lived link, and the
// exports of a whole filter (ZIP, CSV, Excel) with their progress while they are built.
import { api } from "../api.js";
import { html, setHtml, showMessage } from "../dom.js";
import { count, counted } from "../format.js";

const PDF_RETRY_MS = 3000;
const PDF_RETRIES = 5;
const POLL_MS = 1500;
const FORMAT_NAMES = {
  zip: "arhiva ZIP", csv: "fișierul CSV", xlsx: "fișierul Excel", saga: "arhiva SAGA", lines_csv: "CSV-ul de linii",
};

/** Save a presigned URL as a file without leaving the page. */
export function saveLink(url, filename) {
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

const wait = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * Download one file of a document. A PDF that is still being generated is retried a few
 * times while the status region says so. Returns when the download started (or gave up).
 */
export async function downloadFile({ cif, messageId, format, status, alive }) {
  const path = `/companies/${encodeURIComponent(cif)}/documents/${encodeURIComponent(messageId)}` +
    `/download?format=${format}`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const link = await api(path);
      showMessage(status, null);
      saveLink(link.url, link.filename);
      return true;
    } catch (error) {
      if (!alive()) return false;
      if (error.code !== "pdf_not_ready") {
        showMessage(status, "eroare", error.message);
        return false;
      }
      if (attempt >= PDF_RETRIES) {
        showMessage(status, "info", "PDF-ul se generează… Încercați din nou în câteva momente " +
          "sau descărcați între timp XML-ul.");
        return false;
      }
      showMessage(status, "info", "PDF-ul se generează… Descărcarea pornește automat când este gata.");
      await wait(PDF_RETRY_MS);
      if (!alive()) return false;
    }
  }
}

function progressView(exp) {
  const name = FORMAT_NAMES[exp.format] ?? "fișierul";
  if (exp.status === "ready") {
    return html`<p class="mesaj succes">Exportul este gata (${counted(exp.done, "document", "documente")}).
      <a class="buton mic" id="descarca-export" href="${exp.url}" download="${exp.filename ?? ""}"
         rel="noopener">Descarcă ${name}</a></p>
      <p class="nota">Linkul este valabil 15 minute; exportul se păstrează 7 zile.</p>`;
  }
  if (exp.status === "failed") {
    return html`<p class="mesaj eroare">Exportul nu a putut fi generat. Încercați din nou.</p>`;
  }
  const total = exp.total ?? null;
  return html`<div class="progres-export">
    <label for="progres-export">Se pregătește ${name}${total !== null
      ? html` — ${count(exp.done)} din ${counted(total, "document", "documente")}` : html`…`}</label>
    <progress id="progres-export" max="100" value="${exp.progress}">${exp.progress}%</progress></div>`;
}

/** Follow an export until it is ready or failed, drawing its progress into `region`. */
export async function followExport({ cif, exportId, region, alive }) {
  const path = `/companies/${encodeURIComponent(cif)}/exports/${encodeURIComponent(exportId)}`;
  for (;;) {
    let exp;
    try {
      ({ export: exp } = await api(path));
    } catch (error) {
      if (alive()) showMessage(region, "eroare", error.message);
      return null;
    }
    if (!alive()) return null;
    setHtml(region, progressView(exp));
    if (exp.status === "ready" || exp.status === "failed") return exp;
    await wait(POLL_MS);
    if (!alive()) return null;
  }
}

/** Start an export of the current filter (and accounting period, if any); returns its id. */
export async function startExport(cif, format, filters, period = null) {
  const answer = await api(`/companies/${encodeURIComponent(cif)}/exports`, {
    method: "POST", body: period ? { format, filters, period } : { format, filters },
  });
  return answer.export_id;
}
