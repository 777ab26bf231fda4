// How documents look: the table rows, money and dates as Romanians read them, the signature
// badge and the detail panel. All data goes through html`…`, which escapes it (partner names
// and invoice lines come from third parties).
import { html } from "../dom.js";
import { count, counted, dateTime } from "../format.js";
import { TYPES } from "./query.js";

const SIGNATURES = { valid: "validă", invalid: "invalidă", unknown: "necunoscută" };
// UN/ECE Rec. 20 unit codes seen most often on Romanian invoices; others are shown as written.
const UNITS = {
  H87: "buc", C62: "buc", XPP: "buc", KGM: "kg", MTR: "m", MTK: "m²", MTQ: "m³", LTR: "l",
  KWH: "kWh", HUR: "oră", DAY: "zi", MON: "lună", ANN: "an", SET: "set", XBX: "cutie", TNE: "t",
};

/** "21.00" → "21%", "9.5" → "9,5%". */
function percent(value) {
  const trimmed = String(value).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  return `${trimmed.replace(".", ",")}%`;
}

/** "1234.5" + "RON" → "1.234,50 RON" (from the decimal text: no floating point). */
export function money(amount, currency = "") {
  if (amount === null || amount === undefined || amount === "") return "—";
  const text = String(amount);
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = text.replace(/^[-+]/, "").split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  const decimals = fraction.length >= 2 ? fraction : fraction.padEnd(2, "0");
  return `${negative ? "-" : ""}${grouped},${decimals}${currency ? ` ${currency}` : ""}`;
}

/** "2026-07-03" → "03.07.2026". */
export function day(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? "");
  return match ? `${match[3]}.${match[2]}.${match[1]}` : "—";
}

export function typeLabel(kind) {
  return TYPES[kind] ?? kind;
}

// What an accountant must see before the amount: the invoice type codes (UNTDID 1001) that
// change its meaning. A credit note is a CreditNote or type code 381.
const TYPE_CODE_MARKS = { 381: "notă de credit", 384: "factură corectată", 389: "autofactură" };

/** "notă de credit", "autofactură", "factură corectată", and "storno" for a negative total. */
export function typeMarks(doc) {
  const marks = [];
  if (doc.document_type === "credit_note") marks.push(TYPE_CODE_MARKS[381]);
  else if (TYPE_CODE_MARKS[doc.type_code]) marks.push(TYPE_CODE_MARKS[doc.type_code]);
  if (String(doc.total ?? "").startsWith("-")) marks.push("storno");
  return marks;
}

export function signatureBadge(status) {
  const key = SIGNATURES[status] ? status : "unknown";
  return html`<span class="insigna semnatura-${key}">${SIGNATURES[key]}</span>`;
}

function partnerCell(doc) {
  const partner = doc.partner;
  if (!partner?.name && !partner?.cif) {
    // An error or a buyer's message has no partner to name: ANAF's words say what it is.
    return doc.anaf_text ? html`<span class="text-anaf" title="${doc.anaf_text}">${doc.anaf_text}</span>` : "—";
  }
  return html`<span class="partener">${partner.name || "—"}</span>
    ${partner.cif ? html`<span class="nota">CIF ${partner.cif}</span>` : ""}`;
}

function actions(doc) {
  const label = doc.number || doc.message_id;
  const pdf = doc.kind === "error" || doc.kind === "buyer_message" || doc.pdf_status === "not_applicable"
    ? "" : html`<button type="button" class="buton mic secundar contur" data-descarca="pdf">PDF<span
        class="ascuns"> — ${label}</span></button>`;
  return html`<div class="actiuni-document">${pdf}
    <button type="button" class="buton mic secundar contur" data-descarca="xml">XML<span
      class="ascuns"> — ${label}</span></button>
    <button type="button" class="buton mic secundar contur" data-descarca="original">Original<span
      class="ascuns"> — ${label}</span></button></div>`;
}

/** "exportat în contabilitate" with when, once an accounting export (SAGA, lines CSV) took it. */
function exportedMark(doc) {
  const mark = doc.accounting_export;
  if (!mark) return "";
  return html` <span class="marcaj-tip marcaj-exportat" data-export-contabil="${mark.export_id}"
    >exportat în contabilitate<span class="ascuns"> la ${dateTime(mark.exported_at)}</span></span>`;
}

export function row(doc) {
  return html`
    <tr data-mesaj="${doc.message_id}" class="rand-document">
      <td data-eticheta="Data creării"><time datetime="${doc.created_at}">${dateTime(doc.created_at)}</time></td>
      <td data-eticheta="Partener">${partnerCell(doc)}</td>
      <td data-eticheta="Număr document"><button type="button" class="buton-text numar-document"
        data-detalii aria-haspopup="dialog">${doc.number || "—"}<span class="ascuns"> — detalii</span></button></td>
      <td data-eticheta="Tip"><span class="tip tip-${doc.kind}">${typeLabel(doc.kind)}</span>${typeMarks(doc)
        .map((mark) => html` <span class="marcaj-tip">${mark}</span>`)}${exportedMark(doc)}</td>
      <td data-eticheta="Data emiterii">${day(doc.issue_date)}</td>
      <td data-eticheta="Total" class="numar">${money(doc.total, doc.currency)}</td>
      <td data-eticheta="Semnătură">${signatureBadge(doc.signature_status)}</td>
      <td data-eticheta="Acțiuni" class="actiuni">${actions(doc)}</td>
    </tr>`;
}

export function table(documents) {
  return html`
    <div class="tabel-derulant">
      <table class="tabel documente">
        <caption class="ascuns">Documentele companiei</caption>
        <thead><tr>
          <th scope="col">Data creării</th><th scope="col">Partener</th><th scope="col">Număr document</th>
          <th scope="col">Tip</th><th scope="col">Data emiterii</th><th scope="col" class="numar">Total</th>
          <th scope="col">Semnătură</th><th scope="col">Acțiuni</th>
        </tr></thead>
        <tbody>${documents.map(row)}</tbody>
      </table>
    </div>`;
}

// -- the detail panel ------------------------------------------------------------------------------

function party(title, data) {
  if (!data) return "";
  return html`<section class="parte"><h3>${title}</h3>
    <dl class="date">
      <dt>Denumire</dt><dd class="denumire">${data.name || "—"}</dd>
      <dt>CIF</dt><dd>${data.vat_id || data.cif || "—"}</dd>
      ${data.registration_number ? html`<dt>Nr. Reg. Com.</dt><dd>${data.registration_number}</dd>` : ""}
      ${data.address ? html`<dt>Adresă</dt><dd>${data.address}</dd>` : ""}
      ${data.iban?.length ? html`<dt>IBAN</dt><dd>${data.iban.join(", ")}</dd>` : ""}
    </dl></section>`;
}

/** Table rows for a page of invoice lines (appended when more lines are loaded). */
export function lineRows(lines) {
  return html`${lines.map((line) => html`<tr>
      <td data-eticheta="#">${line.id}</td>
      <td data-eticheta="Denumire">${line.name}${line.description
        ? html`<span class="nota bloc">${line.description}</span>` : ""}</td>
      <td data-eticheta="Cantitate" class="numar">${line.quantity ?? "—"} ${UNITS[line.unit_code] ?? line.unit_code}</td>
      <td data-eticheta="Preț unitar" class="numar">${money(line.unit_price)}</td>
      <td data-eticheta="Valoare" class="numar">${money(line.net_amount)}</td>
      <td data-eticheta="TVA" class="numar">${line.vat_percent !== null ? percent(line.vat_percent) : line.vat_category}</td>
    </tr>`)}`;
}

/** "Afișate 200 din 15.000 de linii" and the button for the next page (none after the last). */
export function moreLines(shown, total, nextOffset) {
  if (nextOffset === null || nextOffset === undefined) return html``;
  return html`<p class="nota" id="linii-afisate">Afișate ${count(shown)} din
      ${counted(total, "linie", "linii")}.</p>
    <button type="button" class="buton mic secundar contur" data-mai-multe-linii="${nextOffset}">Încarcă
      mai multe linii</button>`;
}

function lines(invoice) {
  // The API sends the lines in pages (lines_offset, lines_limit): an invoice may have thousands.
  return html`<div class="tabel-derulant"><table class="tabel linii">
    <caption>Linii (${invoice.line_count.toLocaleString("ro-RO")})</caption>
    <thead><tr><th scope="col">#</th><th scope="col">Denumire</th><th scope="col" class="numar">Cantitate</th>
      <th scope="col" class="numar">Preț unitar</th><th scope="col" class="numar">Valoare</th>
      <th scope="col" class="numar">TVA</th></tr></thead>
    <tbody id="linii-factura">${lineRows(invoice.lines)}</tbody></table></div>
    <div id="mai-multe-linii" aria-live="polite">${moreLines(invoice.lines.length, invoice.line_count,
      invoice.lines_next_offset)}</div>`;
}

function totals(invoice) {
  const t = invoice.totals;
  const c = invoice.currency;
  return html`<dl class="date totaluri">
    <dt>Total fără TVA</dt><dd>${money(t.tax_exclusive, c)}</dd>
    ${invoice.vat_breakdown.map((vat) => html`<dt>TVA ${vat.percent !== null ? percent(vat.percent) : ""} (${vat.category})</dt>
      <dd>${money(vat.tax, c)}</dd>`)}
    <dt>Total cu TVA</dt><dd>${money(t.tax_inclusive, c)}</dd>
    <dt><strong>Total de plată</strong></dt><dd><strong>${money(t.payable, c)}</strong></dd>
  </dl>`;
}

export function detail(doc) {
  const invoice = doc.invoice;
  const title = [typeLabel(doc.kind), ...typeMarks(doc), invoice ? doc.number : null].filter(Boolean).join(" · ");
  return html`
    <h2 id="titlu-detaliu">${title}</h2>
    ${doc.superseded_note ? html`<p class="mesaj avertisment" id="nota-inlocuit">${doc.superseded_note}</p>` : ""}
    <dl class="date">
      <dt>Data creării în SPV</dt><dd>${dateTime(doc.created_at)}</dd>
      ${doc.issue_date ? html`<dt>Data emiterii</dt><dd>${day(doc.issue_date)}</dd>` : ""}
      ${doc.due_date ? html`<dt>Data scadenței</dt><dd>${day(doc.due_date)}</dd>` : ""}
      <dt>Semnătura MF</dt><dd>${signatureBadge(doc.signature_status)}</dd>
      <dt>ID mesaj ANAF</dt><dd>${doc.message_id}</dd>
      ${doc.upload_index ? html`<dt>Index încărcare</dt><dd>${doc.upload_index}</dd>` : ""}
      ${doc.original_sha256 ? html`<dt>SHA-256 original</dt><dd class="amprenta">${doc.original_sha256}</dd>` : ""}
    </dl>
    ${invoice ? html`
      <div class="grila-doua parti">${party("Furnizor", invoice.supplier)}${party("Client", invoice.customer)}</div>
      ${lines(invoice)}
      ${totals(invoice)}
      ${invoice.notes.length ? html`<h3>Note</h3>${invoice.notes.map((n) => html`<p class="nota-factura">${n}</p>`)}` : ""}`
    : ""}
    ${doc.messages?.length ? html`<h3>${doc.kind === "error" ? "Erori raportate de ANAF" : "Mesaj"}</h3>
      <ul class="mesaje-anaf">${doc.messages.map((m) => html`<li>${m}</li>`)}</ul>` : ""}
    ${!invoice && doc.parse_status === "failed"
      ? html`<p class="mesaj avertisment">Documentul nu a putut fi citit; originalul este păstrat neatins.</p>` : ""}
    ${doc.pdf_status === "ready" ? html`<section class="previzualizare-pdf" id="previzualizare-pdf"
      aria-labelledby="titlu-previzualizare"><h3 id="titlu-previzualizare">Previzualizare PDF</h3>
      <p class="nota">Se încarcă…</p></section>` : ""}
    <div class="butoane">${actions(doc)}</div>`;
}

/** The PDF in the dialog, from a short-lived inline link (the CSP's frame-src allows the
 *  archive bucket), with the same link for a new tab (phones show no PDF in a frame). */
export function pdfPreview(doc, url) {
  const label = doc.number || doc.message_id;
  return html`<h3 id="titlu-previzualizare">Previzualizare PDF</h3>
    <iframe class="cadru-pdf" src="${url}" title="Previzualizare PDF — ${label}"></iframe>
    <p class="nota"><a href="${url}" target="_blank" rel="noopener">Deschide PDF-ul într-o filă nouă<span
      class="ascuns"> — ${label}</span></a> (linkul este valabil câteva minute).</p>`;
}
