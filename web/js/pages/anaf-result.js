// /autorizare-anaf: where ANAF sends back the certificate holder who opened an e-mailed
// authorization link. Public (they need no Arhivar account): thanks, or what went wrong and what
// to do. The address carries anaf=<outcome>, cif and covered (the CIFs authorized).
import { callbackResult } from "../anaf.js";
import { html } from "../dom.js";

function cifs(list) {
  return list.map((cif, i) => html`${i ? ", " : ""}<strong>${cif}</strong>`);
}

function view({ outcome, cif, covered }) {
  const others = covered.filter((c) => c !== cif);
  switch (outcome) {
    case "connected":
      return {
        kind: "succes",
        title: "Vă mulțumim! Autorizarea la ANAF a reușit.",
        body: html`
          <p>Compania cu CIF-ul <strong>${cif}</strong> este acum autorizată în Arhivar, care îi va
            descărca automat facturile e-Factura din SPV și le va păstra 10 ani.</p>
          ${others.length ? html`<p>Cu același certificat au fost autorizate și companiile cu CIF-ul
            ${cifs(others)}.</p>` : ""}
          <p>Nu mai trebuie să faceți nimic: persoana care v-a trimis linkul vede autorizarea în
            contul ei Arhivar. Puteți închide această pagină și scoate token-ul.</p>`,
      };
    case "cancelled":
      return {
        kind: "info",
        title: "Autorizarea a fost anulată",
        body: html`<p>Ați renunțat pe pagina ANAF, așa că nu s-a autorizat nimic. Dacă a fost din
          greșeală, deschideți din nou linkul din e-mail (rămâne valabil până la expirare).</p>`,
      };
    case "no_spv_rights":
      return {
        kind: "eroare",
        title: "Certificatul nu are drept SPV pentru companie",
        body: html`
          <p>Certificatul ales nu are drept SPV pentru CIF-ul <strong>${cif}</strong>. Deschideți din
            nou linkul din e-mail și alegeți certificatul care are drept de acces în SPV pentru
            această companie, sau spuneți persoanei care v-a trimis linkul să îl trimită titularului
            potrivit.</p>
          ${others.length ? html`<p>Certificatul a autorizat totuși companiile cu CIF-ul
            ${cifs(others)}.</p>` : ""}`,
      };
    case "anaf_error":
      return {
        kind: "eroare",
        title: "ANAF nu a confirmat autorizarea",
        body: html`<p>Codul primit de la ANAF este valabil doar 60 de secunde, iar serviciul ANAF
          poate fi temporar indisponibil. Deschideți din nou linkul din e-mail peste câteva minute și
          alegeți certificatul fără să așteptați pe pagina ANAF.</p>`,
      };
    case "invalid_request":
      return {
        kind: "eroare",
        title: "Cererea de autorizare nu mai este valabilă",
        body: html`<p>Pagina ANAF a fost deschisă cu mai mult de 10 minute în urmă sau cererea a fost
          deja folosită. Deschideți din nou linkul din e-mail pentru a reîncepe.</p>`,
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
