// „Trimite mesaj furnizorului”: in a received invoice's dialog, the messages sent to its supplier
// through ANAF (RASP) with their states, and the form that sends one (owners and admins).
// Mounted from the document dialog with one call; everything else about the dialog stays there.
import { api } from "../api.js";
import { html, setHtml, showMessage, withProgress } from "../dom.js";
import { dateTime } from "../format.js";

const MIN_TEXT = 3;
const MAX_TEXT = 2000;
export const STATE_CLASS = { sent: "info", processing: "info", accepted: "succes", refused: "eroare" };

function messageItem(message, canSend) {
  const pending = message.state === "sent" || message.state === "processing";
  return html`<li class="mesaj-furnizor" data-mesaj-furnizor="${message.id}">
    <p class="nota"><time datetime="${message.created_at}">${dateTime(message.created_at)}</time>
      ${message.upload_index ? html` · index ANAF ${message.upload_index}` : ""}</p>
    <p class="text-mesaj-furnizor">${message.text}</p>
    <p class="mesaj ${STATE_CLASS[message.state] ?? "info"} stare-mesaj-furnizor">Stare: <strong>${message.state_label}</strong>
      ${pending && message.anaf_error ? html`<span class="nota bloc">ANAF: ${message.anaf_error}</span>` : ""}
      ${message.answer_document_id ? html`<span class="nota bloc">Mesajul ANAF se arhivează în Documente
        (ID mesaj ANAF ${message.answer_document_id}).</span>` : ""}</p>
    ${pending && canSend ? html`<button type="button" class="buton mic secundar contur" data-verifica="${message.id}">Verifică
      starea<span class="ascuns"> mesajului din ${dateTime(message.created_at)}</span></button>` : ""}
  </li>`;
}

function messageList(messages, canSend) {
  if (!messages.length) return html`<p class="nota">Nu ați trimis încă mesaje furnizorului despre această factură.</p>`;
  return html`<ul class="lista-mesaje-furnizor">${messages.map((m) => messageItem(m, canSend))}</ul>`;
}

function section(doc, canSend) {
  const supplier = doc.partner?.name || doc.invoice?.supplier?.name || "furnizor";
  return html`<section class="mesaje-furnizor" aria-labelledby="titlu-mesaje-furnizor">
    <h3 id="titlu-mesaje-furnizor">Mesaje către furnizor prin ANAF</h3>
    <div id="lista-mesaje-furnizor"><p class="nota">Se încarcă…</p></div>
    ${canSend ? html`
      <button type="button" class="buton secundar" id="deschide-mesaj-furnizor" aria-expanded="false"
        aria-controls="formular-mesaj-furnizor">Trimite mesaj furnizorului</button>
      <form id="formular-mesaj-furnizor" class="formular-mesaj-furnizor" hidden novalidate>
        <label for="text-mesaj-furnizor">Mesajul către ${supplier}</label>
        <textarea id="text-mesaj-furnizor" name="text" rows="5" maxlength="${MAX_TEXT}" required
          aria-describedby="ajutor-mesaj-furnizor eroare-mesaj-furnizor"></textarea>
        <p class="nota" id="ajutor-mesaj-furnizor">Mesaj oficial transmis prin SPV (ANAF, standardul RASP),
          între ${MIN_TEXT} și ${MAX_TEXT} de caractere. Odată trimis nu mai poate fi retras.</p>
        <p class="eroare-camp" id="eroare-mesaj-furnizor" role="alert" hidden></p>
        <div class="butoane">
          <button type="submit" class="buton" id="trimite-mesaj-furnizor">Trimite prin ANAF</button>
          <button type="button" class="buton secundar contur" id="renunta-mesaj-furnizor">Renunță</button>
        </div>
      </form>` : ""}
    <div id="stare-mesaj-furnizor" role="status" aria-live="polite"></div>
  </section>`;
}

/** Adds the supplier-message section to a received invoice's dialog body; nothing otherwise. */
export function mountSupplierMessages(body, { cif, doc, canSend, alive }) {
  if (doc.kind !== "received" || !doc.upload_index) return;
  const box = document.createElement("div");
  setHtml(box, section(doc, canSend));
  body.append(box);
  const $ = (selector) => box.querySelector(selector);
  const list = $("#lista-mesaje-furnizor");
  const status = $("#stare-mesaj-furnizor");
  const base = `/companies/${encodeURIComponent(cif)}`;
  const current = () => alive() && box.isConnected;

  async function refresh() {
    try {
      const { messages } = await api(`${base}/buyer-messages?document_id=${encodeURIComponent(doc.message_id)}`);
      if (current()) setHtml(list, messageList(messages, canSend));
    } catch (error) {
      if (current()) showMessage(status, "eroare", error.message);
    }
  }
  refresh();

  list.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-verifica]");
    if (!button) return;
    try {
      const { message } = await withProgress(button, "Se verifică…", () => api(
        `${base}/buyer-messages/${encodeURIComponent(button.dataset.verifica)}/check`, { method: "POST" }));
      if (!current()) return;
      showMessage(status, STATE_CLASS[message.state] ?? "info", `Starea mesajului: ${message.state_label}`);
      await refresh();
    } catch (error) {
      if (current()) showMessage(status, "eroare", error.message);
    }
  });

  if (!canSend) return;
  const open = $("#deschide-mesaj-furnizor");
  const form = $("#formular-mesaj-furnizor");
  const text = $("#text-mesaj-furnizor");
  const fieldError = $("#eroare-mesaj-furnizor");
  const showForm = (shown) => {
    form.hidden = !shown;
    open.hidden = shown;
    open.setAttribute("aria-expanded", String(shown));
    if (shown) text.focus();
    else open.focus();
  };
  const setFieldError = (message) => {
    fieldError.textContent = message ?? "";
    fieldError.hidden = !message;
    text.setAttribute("aria-invalid", message ? "true" : "false");
  };
  open.addEventListener("click", () => showForm(true));
  $("#renunta-mesaj-furnizor").addEventListener("click", () => {
    setFieldError(null);
    showForm(false);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (value.length < MIN_TEXT || value.length > MAX_TEXT) {
      setFieldError(`Mesajul trebuie să aibă între ${MIN_TEXT} și ${MAX_TEXT} de caractere.`);
      text.focus();
      return;
    }
    setFieldError(null);
    try {
      const { message } = await withProgress($("#trimite-mesaj-furnizor"), "Se trimite la ANAF…", () => api(
        `${base}/documents/${encodeURIComponent(doc.message_id)}/buyer-messages`,
        { method: "POST", body: { text: value } }));
      if (!current()) return;
      text.value = "";
      showForm(false);
      showMessage(status, STATE_CLASS[message.state] ?? "info", message.state === "refused"
        ? `Mesajul nu a fost primit de ANAF: ${message.state_label}`
        : `Mesajul a fost trimis la ANAF. Stare: ${message.state_label}`);
      await refresh();
    } catch (error) {
      if (!current()) return;
      if (error.code === "invalid_message_text" || error.status === 400) setFieldError(error.message);
      else showMessage(status, "eroare", error.message);
    }
  });
}
