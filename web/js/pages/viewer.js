// Vizualizează o factură: anyone, without an account, drops an ANAF ZIP or an e-Factura XML and
// sees the invoice (the archive's own template), the Ministry of Finance signature verdict and a
// PDF to download. The file goes to POST /api/vizualizare and is not kept (functions/public_viewer).
import { request } from "../api.js";
import { html, setHtml, showMessage, withProgress } from "../dom.js";
import { filePicker, mountFilePicker } from "../file-picker.js";

const VERDICT_KIND = {
  trusted: "succes", test_environment: "avertisment", untrusted: "avertisment",
  invalid: "eroare", unverifiable: "avertisment", unsigned: "info",
};
const VERDICT_TITLE = {
  trusted: "Semnătură validă", test_environment: "Semnătură de test", untrusted: "Semnatar necunoscut",
  invalid: "Semnătură invalidă", unverifiable: "Semnătură neverificabilă", unsigned: "Fără semnătură",
};
const MAX_BYTES = 4 * 1024 * 1024; // the API's limit (base64 through API Gateway stays under 6 MB)

/** The invoice's HTML (our template, every value escaped server-side) without what only the
 *  printed pages use (running header and footer) and without any script. */
function invoiceNodes(markup) {
  const parsed = new DOMParser().parseFromString(markup, "text/html");
  parsed.querySelectorAll("script, style, link, .header-running, .footer-running").forEach((n) => n.remove());
  return [...parsed.body.childNodes].map((node) => document.importNode(node, true));
}

function pdfLink(invoice) {
  const bytes = Uint8Array.from(atob(invoice.pdf_base64), (c) => c.charCodeAt(0));
  const link = document.createElement("a");
  link.className = "buton";
  link.id = "descarca-pdf";
  link.href = URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
  link.download = invoice.pdf_name;
  link.textContent = "Descarcă PDF";
  return link;
}

function showResult(root, result) {
  const signature = result.signature;
  const verdict = root.querySelector("#verdict");
  setHtml(verdict, html`
    <div class="mesaj ${VERDICT_KIND[signature.status] ?? "info"}" data-stare="${signature.status}">
      <h2>${VERDICT_TITLE[signature.status] ?? "Semnătura"}</h2>
      <p>${signature.message}</p>
      ${signature.signer ? html`<p class="nota">Semnatar: <strong>${signature.signer}</strong></p>` : ""}
    </div>
    ${result.messages.length ? html`
      <h2>Mesajul ANAF din arhivă</h2>
      <ul class="mesaje-anaf">${result.messages.map((m) => html`<li>${m}</li>`)}</ul>` : ""}`);
  const sheet = root.querySelector("#factura");
  const actions = root.querySelector("#actiuni-factura");
  actions.replaceChildren();
  if (result.invoice) {
    sheet.replaceChildren(...invoiceNodes(result.invoice.html));
    actions.append(pdfLink(result.invoice));
  } else {
    sheet.replaceChildren();
  }
  sheet.hidden = !result.invoice;
  root.querySelector("#rezultat").hidden = false;
  verdict.focus();
}

export default {
  title: "Vizualizează o factură",
  render: () => html`
    <h1>Vizualizează o factură</h1>
    <p class="introducere">Alegeți arhiva ZIP descărcată din SPV sau fișierul XML al facturii: vedeți
       factura ușor de citit, verificați semnătura Ministerului Finanțelor și descărcați PDF-ul.
       Nu aveți nevoie de cont, iar fișierul nu este păstrat.</p>
    <section class="card" aria-labelledby="titlu-fisier">
      <h2 id="titlu-fisier">Fișierul facturii</h2>
      <div id="mesaj-vizualizare" class="mesaje" role="alert"></div>
      <form id="formular-vizualizare" class="zona-fisier" novalidate>
        <label for="fisier-factura">Arhiva ZIP din SPV sau factura XML (cel mult 4 MB)</label>
        ${filePicker({ id: "fisier-factura", accept: ".zip,.xml,application/zip,text/xml" })}
        <p class="nota">Puteți și trage fișierul aici.</p>
        <button class="buton" type="submit">Vizualizează</button>
      </form>
    </section>
    <section id="rezultat" aria-label="Rezultat" hidden>
      <div id="verdict" tabindex="-1"></div>
      <p class="butoane" id="actiuni-factura"></p>
      <div id="factura" class="foaie-factura" tabindex="0" role="region" aria-label="Factura" hidden></div>
    </section>
    <p class="chemare card">Arhivați automat toate facturile companiei:
       <a href="/inregistrare" data-link>creați un cont</a>.</p>`,
  mount(root) {
    const form = root.querySelector("#formular-vizualizare");
    const input = form.querySelector("#fisier-factura");
    const region = root.querySelector("#mesaj-vizualizare");
    mountFilePicker(input);
    const send = async (file) => {
      showMessage(region);
      if (!file) {
        showMessage(region, "eroare", "Alegeți arhiva ZIP descărcată din SPV sau factura XML.");
        return;
      }
      if (file.size > MAX_BYTES) {
        showMessage(region, "eroare", "Fișierul depășește 4 MB, limita vizualizării fără cont.");
        return;
      }
      await withProgress(form.querySelector("button"), "Se verifică…", async () => {
        try {
          showResult(root, await request("/vizualizare", { method: "POST", body: file }));
        } catch (error) {
          root.querySelector("#rezultat").hidden = true;
          showMessage(region, "eroare", error.message);
        }
      });
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(input.files[0]);
    });
    form.addEventListener("dragover", (event) => event.preventDefault());
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      send(event.dataTransfer.files[0]);
    });
  },
};
