// Mesaje către furnizori (/companii/<cif>/mesaje-furnizori): every message the company sent its
// suppliers through ANAF (RASP), newest first, with ANAF's state; "Verifică starea" for owners
// and admins while ANAF has not answered. Each is sent from a received invoice's dialog.
import { api, SESSION_EXPIRED } from "../api.js";
import { canAdminister } from "../anaf.js";
import { html, setHtml, showMessage, withProgress } from "../dom.js";
import { dateTime } from "../format.js";
import { STATE_CLASS } from "../documents/supplier-messages.js";

function row(message, canCheck) {
  const pending = message.state === "sent" || message.state === "processing";
  const invoice = message.invoice_number || message.document_id;
  return html`<tr data-mesaj-furnizor="${message.id}">
    <td data-eticheta="Trimis"><time datetime="${message.created_at}">${dateTime(message.created_at)}</time></td>
    <td data-eticheta="Factura"><div class="denumire">${invoice}</div>
      ${message.partner_name ? html`<div class="nota">${message.partner_name}${message.partner_cif
        ? ` · CIF ${message.partner_cif}` : ""}</div>` : ""}</td>
    <td data-eticheta="Mesaj" class="text-mesaj-furnizor">${message.text}</td>
    <td data-eticheta="Stare"><span class="mesaj ${STATE_CLASS[message.state] ?? "info"} stare-mesaj-furnizor">${message.state_label}</span>
      ${pending && message.anaf_error ? html`<div class="nota">ANAF: ${message.anaf_error}</div>` : ""}
      ${pending && canCheck ? html`<button type="button" class="buton mic secundar contur" data-verifica="${message.id}">Verifică
        starea<span class="ascuns"> — ${invoice}</span></button>` : ""}</td>
  </tr>`;
}

function listing(messages, canCheck, cif) {
  if (!messages.length) {
    return html`<div class="gol"><p>Compania nu a trimis încă mesaje furnizorilor. Un mesaj se trimite din
      detaliile unei facturi primite („Trimite mesaj furnizorului”), din <a href="/documente?cif=${encodeURIComponent(cif)}" data-link>Documente</a>.</p></div>`;
  }
  return html`<div class="tabel-derulant"><table class="tabel" id="tabel-mesaje-furnizori">
    <caption class="ascuns">Mesajele trimise furnizorilor prin ANAF</caption>
    <thead><tr><th scope="col">Trimis</th><th scope="col">Factura</th><th scope="col">Mesaj</th>
      <th scope="col">Stare</th></tr></thead>
    <tbody>${messages.map((m) => row(m, canCheck))}</tbody></table></div>`;
}

export default {
  title: "Mesaje către furnizori",
  auth: true,
  render: (ctx) => html`
    <p class="firimituri"><a href="/companii/${encodeURIComponent(ctx.params[0])}" data-link>← Compania</a></p>
    <h1>Mesaje către furnizori</h1>
    <p class="subtitlu">CIF ${ctx.params[0]} · mesaje oficiale trimise prin SPV (ANAF)</p>
    <div id="stare-mesaje-furnizori" role="status" aria-live="polite"></div>
    <div id="mesaje-furnizori" aria-busy="true"><p class="nota">Se încarcă…</p></div>`,
  async mount(root, ctx) {
    const cif = ctx.params[0];
    const base = `/companies/${encodeURIComponent(cif)}`;
    const box = root.querySelector("#mesaje-furnizori");
    const status = root.querySelector("#stare-mesaje-furnizori");
    let canCheck = false;

    async function load() {
      try {
        const [{ company }, { messages }] = await Promise.all([api(base), api(`${base}/buyer-messages`)]);
        if (!ctx.current()) return;
        canCheck = canAdminister(company);
        setHtml(box, listing(messages, canCheck, cif));
      } catch (error) {
        if (error.code === SESSION_EXPIRED || !ctx.current()) return;
        showMessage(status, "eroare", error.code === "company_not_found"
          ? "Compania nu există în contul dumneavoastră." : error.message);
        setHtml(box, html``);
      }
      box.removeAttribute("aria-busy");
    }
    await load();

    box.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-verifica]");
      if (!button || !canCheck) return;
      try {
        const { message } = await withProgress(button, "Se verifică…", () => api(
          `${base}/buyer-messages/${encodeURIComponent(button.dataset.verifica)}/check`, { method: "POST" }));
        if (!ctx.current()) return;
        showMessage(status, STATE_CLASS[message.state] ?? "info", `Starea mesajului: ${message.state_label}`);
        await load();
      } catch (error) {
        if (ctx.current()) showMessage(status, "eroare", error.message);
      }
    });
  },
};
