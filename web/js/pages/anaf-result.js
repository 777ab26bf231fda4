// /autorizare-anaf: where ANAF sends back the certificate holder who opened an e-mailed
// authorization link. Public (they need no Arhivar account): thanks, or what went wrong and what
// to do. The address carries anaf=<outcome> and cif (the company the link was for).
import { callbackResult } from "../anaf.js";
import { html } from "../dom.js";

function view({ outcome, cif }) {
  switch (outcome) {
    case "connected":
      return {
        kind: "succes",
        title: "Vă mulțumim! Autorizarea la ANAF a reușit.",
        body: html`
          <p>Compania cu CIF-ul <strong>${cif}</strong> este acum autorizată în Arhivar, care îi va
            descărca automat facturile e-Factura din SPV și le va păstra 10 ani.</p>
          <p>Nu mai trebuie să faceți nimic: persoana care v-a trimis linkul vede autorizarea în
            contul ei Arhivar. Puteți închide această pagină și scoate token-ul.</p>`,
      };
    case "proven":
      return {
        kind: "succes",
        title: "Vă mulțumim! Dreptul SPV a fost confirmat.",
        body: html`
          <p>Certificatul are drept SPV pentru compania cu CIF-ul <strong>${cif}</strong>: persoana
            care v-a trimis linkul are acum acces la arhiva ei în Arhivar (compania era deja
            autorizată și se sincronizează în continuare).</p>
          <p>Nu mai trebuie să faceți nimic. Puteți închide această pagină și scoate token-ul.</p>`,
      };
    case "cancelled":
      return {
        kind: "info",
        title: "Autorizarea a fost anulată",
        body: html`<p>Ați renunțat pe pagina ANAF, așa că nu s-a autorizat nimic. Un link de
          autorizare se folosește o singură dată: dacă a fost din greșeală, cereți persoanei care vi
          l-a trimis un link nou.</p>`,
      };
    case "no_spv_rights":
      return {
        kind: "eroare",
        title: "Certificatul nu are drept SPV pentru companie",
        body: html`
          <p>Certificatul ales nu are drept SPV pentru CIF-ul <strong>${cif}</strong>. Linkul a fost
            folosit: cereți persoanei care vi l-a trimis un link nou și alegeți atunci certificatul
            care are drept de acces în SPV pentru această companie.</p>`,
      };
    case "anaf_error":
      return {
        kind: "eroare",
        title: "ANAF nu a confirmat autorizarea",
        body: html`<p>Codul primit de la ANAF este valabil doar 60 de secunde, iar serviciul ANAF
          poate fi temporar indisponibil. Linkul a fost folosit: cereți persoanei care vi l-a trimis un
          link nou și alegeți certificatul fără să așteptați pe pagina ANAF.</p>`,
      };
    case "invalid_request":
      return {
        kind: "eroare",
        title: "Cererea de autorizare nu mai este valabilă",
        body: html`<p>Pagina ANAF a fost deschisă cu mai mult de 10 minute în urmă, cererea a fost
          deja folosită sau a fost terminată în alt browser decât cel în care s-a deschis linkul.
          Cereți persoanei care v-a trimis linkul un link nou.</p>`,
      };
    case "link_invalid":
      return {
        kind: "eroare",
        title: "Linkul de autorizare nu mai este valabil",
        body: html`<p>Linkul a fost deja folosit sau a expirat (un link este valabil o singură dată,
          7 zile). Cereți persoanei care vi l-a trimis un link nou: îl trimite din pagina companiei
          în Arhivar, cu „Trimite link de autorizare”.</p>`,
      };
    default:
      return {
        kind: "info",
        title: "Autorizare ANAF",
        body: html`<p>Această pagină arată rezultatul unei autorizări la ANAF făcute cu un link primit
          pe e-mail. Deschideți linkul din e-mail pentru a începe.</p>`,
      };
  }
}

export default {
  title: "Autorizare ANAF",
  render: (ctx) => {
    const { kind, title, body } = view(callbackResult(ctx.query));
    return html`
      <section class="card rezultat-anaf" aria-labelledby="titlu-rezultat-anaf">
        <h1 id="titlu-rezultat-anaf">${title}</h1>
        <div class="mesaj ${kind}" id="mesaj-autorizare" role="${kind === "eroare" ? "alert" : "status"}">${body}</div>
        <p class="nota">Arhivar păstrează facturile e-Factura ale companiilor 10 ani, cum cere legea
          (Legea 82/1991, art. 25). <a href="/" data-link>Despre Arhivar</a></p>
      </section>`;
  },
};
