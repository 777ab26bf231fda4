// "Livrare în bucket-ul propriu (S3)", a section of the Integrări page: every archived document's
// original ZIP, XML and PDF copied into the company's own S3 bucket through a role the customer
// creates. Shows the external id Arhivar generated and the two policies for the customer's AWS
// administrator (with copy buttons), the form (bucket, prefix, role ARN, on/off), "Verifică",
// the last delivery and the failing documents with "Reîncearcă". Owners and admins only.
import { api, SESSION_EXPIRED } from "../api.js";
import { canAdminister } from "../anaf.js";
import { fieldError, html, setHtml, showMessage, withProgress } from "../dom.js";
import { count, dateTime } from "../format.js";

const FIELDS = { bucket: "bucket-s3", prefix: "prefix-s3", role_arn: "rol-s3" };
const STATE_NAMES = { retrying: "se reîncearcă", failed: "oprit: apăsați „Reîncearcă”" };

async function copyText(text, status) {
  try {
    await navigator.clipboard.writeText(text);
    showMessage(status, "succes", "Copiat.");
  } catch {
    showMessage(status, "info", "Copierea automată nu este permisă de browser: selectați textul și copiați-l.");
  }
}

function statusView(delivery) {
  const state = delivery.enabled
    ? html`<p class="mesaj succes" id="stare-s3">Livrarea este pornită: fiecare document arhivat este copiat
        în <strong>s3://${delivery.bucket}/${delivery.prefix}</strong>.</p>`
    : html`<p class="mesaj info" id="stare-s3">Livrarea este oprită.</p>`;
  const facts = [
    delivery.verified_at ? html`<li>Ultima verificare reușită: ${dateTime(delivery.verified_at)}</li>` : "",
    delivery.last_delivery_at ? html`<li>Ultima livrare: ${dateTime(delivery.last_delivery_at)}
      (<span class="cale-s3">${delivery.last_delivery_key}</span>)</li>` : "",
    delivery.delivered_count ? html`<li>Fișiere scrise până acum: ${count(delivery.delivered_count)}</li>` : "",
    delivery.backfill === "running"
      ? html`<li>Se copiază documentele arhivate înainte de pornirea livrării…</li>` : "",
  ];
  return html`${state}<ul class="nota" id="fapte-s3">${facts}</ul>`;
}

function failuresView(delivery) {
  if (!delivery.failures.length) return html`<p class="nota" id="fara-esecuri-s3">Nicio livrare eșuată.</p>`;
  const rows = delivery.failures.map((failure) => html`
    <tr data-mesaj="${failure.message_id}">
      <td data-eticheta="Document">mesaj ${failure.message_id}</td>
      <td data-eticheta="Motiv">${failure.reason}</td>
      <td data-eticheta="Încercări">${count(failure.attempts)}</td>
      <td data-eticheta="Stare">${STATE_NAMES[failure.state] ?? failure.state}${failure.next_attempt_at
        ? html`<div class="nota">următoarea: ${dateTime(failure.next_attempt_at)}</div>` : ""}</td>
    </tr>`);
  return html`
    <div class="tabel-derulant">
      <table class="tabel" id="esecuri-s3">
        <caption class="ascuns">Documentele a căror livrare a eșuat, cu motivul</caption>
        <thead><tr><th scope="col">Document</th><th scope="col">Motiv</th><th scope="col">Încercări</th>
          <th scope="col">Stare</th></tr></thead>
        <tbody>${rows}</tbody>
      </table>
    </div>
    <button type="button" class="buton mic" id="reincearca-s3">Reîncearcă</button>`;
}

function formView(delivery) {
  const field = (name, label, value, hint) => html`
    <label for="${FIELDS[name]}">${label}</label>
    <input id="${FIELDS[name]}" name="${name}" value="${value ?? ""}" autocomplete="off" spellcheck="false"
      aria-describedby="nota-${FIELDS[name]} eroare-${FIELDS[name]}">
    <p class="nota" id="nota-${FIELDS[name]}">${hint}</p>
    <p class="eroare-camp" id="eroare-${FIELDS[name]}" role="alert" hidden></p>`;
  return html`
    <form id="formular-s3" class="formular-lat" novalidate>
      ${field("bucket", "Bucket", delivery.bucket, "Numele bucket-ului din contul AWS al companiei.")}
      ${field("prefix", "Prefix (opțional)", delivery.prefix, "Dosarul din bucket, de exemplu arhivar/facturi/.")}
      ${field("role_arn", "ARN-ul rolului", delivery.role_arn,
        "Rolul creat cu politicile de mai sus, de exemplu arn:aws:iam::123456789012:role/ArhivarLivrare.")}
      <div class="bifa">
        <input type="checkbox" id="pornit-s3" ${delivery.enabled ? "checked" : ""}>
        <label for="pornit-s3">Livrarea este pornită (la pornire verificăm rolul și copiem și documentele deja arhivate)</label>
      </div>
      <div class="butoane">
        <button type="submit" class="buton" id="salveaza-s3">Salvează</button>
        <button type="button" class="buton secundar contur" id="verifica-s3">Verifică</button>
      </div>
    </form>`;
}

function setupView(delivery) {
  return html`
    <h3>1. Rolul din contul AWS al companiei</h3>
    <p>Administratorul AWS al companiei creează un rol (IAM → Roles → Create role → Custom trust policy)
      cu politica de încredere de mai jos. ID-ul extern este generat de Arhivar pentru această companie și
      nu se poate alege.</p>
    <div class="rand-mic">
      <span>ID extern: <code id="id-extern-s3">${delivery.external_id}</code></span>
      <button type="button" class="buton mic secundar contur" data-copiaza="id-extern-s3">Copiază ID-ul extern</button>
    </div>
    <h4 id="titlu-incredere-s3">Politica de încredere</h4>
    <pre class="politica-s3" id="politica-incredere-s3" tabindex="0" aria-labelledby="titlu-incredere-s3">${delivery.trust_policy}</pre>
    <button type="button" class="buton mic secundar contur" data-copiaza="politica-incredere-s3">Copiază politica de încredere</button>
    <h4 id="titlu-permisiuni-s3">Politica de permisiuni</h4>
    <p class="nota">Scriere (și citire, ca să nu copiem de două ori același fișier) doar sub prefix; ștergere
      doar a fișierului de verificare. Se actualizează după ce salvați bucket-ul și prefixul.</p>
    <pre class="politica-s3" id="politica-permisiuni-s3" tabindex="0" aria-labelledby="titlu-permisiuni-s3">${delivery.permissions_policy}</pre>
    <button type="button" class="buton mic secundar contur" data-copiaza="politica-permisiuni-s3">Copiază politica de permisiuni</button>
    <h3>2. Unde livrăm</h3>
    <p class="nota">Fișierele primesc aceleași nume ca în exportul ZIP, de exemplu
      <span class="cale-s3">Primite/2026-07/2026-07-03_FCT-1001_ACME SRL.pdf</span>.</p>
    ${formView(delivery)}
    <h3>3. Starea livrării</h3>
    <div id="stare-livrare-s3">${statusView(delivery)}</div>
    <div id="esecuri-livrare-s3">${failuresView(delivery)}</div>`;
}

export default {
  id: "s3",
  title: "Livrare în bucket-ul propriu (S3)",
  intro: "Copiem originalul semnat (ZIP), XML-ul și PDF-ul fiecărui document arhivat într-un bucket S3 al "
    + "companiei, printr-un rol pe care îl creați în contul AWS al companiei.",
  async mount(section, { cif, company, ctx }) {
    if (!canAdminister(company)) {
      setHtml(section, html`<p class="nota">Doar proprietarii și administratorii companiei configurează
        livrarea în bucket-ul propriu.</p>`);
      return;
    }
    const path = `/companies/${encodeURIComponent(cif)}/s3-delivery`;
    setHtml(section, html`<div id="mesaj-s3" role="status"></div><div id="livrare-s3"><p class="nota">Se încarcă…</p></div>`);
    const messages = section.querySelector("#mesaj-s3");
    const box = section.querySelector("#livrare-s3");

    const problem = (error) => {
      if (error.code === SESSION_EXPIRED || !ctx.current()) return;
      showMessage(messages, "eroare", error.message);
    };

    function show(delivery) {
      setHtml(box, setupView(delivery));
      box.querySelectorAll("[data-copiaza]").forEach((button) => button.addEventListener("click", () => {
        copyText(box.querySelector(`#${button.dataset.copiaza}`).textContent, messages);
      }));
      const form = box.querySelector("#formular-s3");
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        save(form, box.querySelector("#salveaza-s3"));
      });
      box.querySelector("#verifica-s3").addEventListener("click", (event) => verify(event.currentTarget));
      box.querySelector("#reincearca-s3")?.addEventListener("click", (event) => retry(event.currentTarget));
    }

    function clearFieldErrors() {
      for (const id of Object.values(FIELDS)) {
        fieldError(box.querySelector(`#${id}`), box.querySelector(`#eroare-${id}`), "");
      }
    }

    async function save(form, button) {
      clearFieldErrors();
      showMessage(messages, null);
      const enabled = form.querySelector("#pornit-s3").checked;
      const body = {
        bucket: form.querySelector(`#${FIELDS.bucket}`).value.trim(),
        prefix: form.querySelector(`#${FIELDS.prefix}`).value.trim(),
        role_arn: form.querySelector(`#${FIELDS.role_arn}`).value.trim(),
        enabled,
      };
      try {
        const { delivery } = await withProgress(button, enabled ? "Se verifică…" : "Se salvează…",
          () => api(`${path}/settings`, { method: "PUT", body }));
        if (!ctx.current()) return;
        show(delivery);
        showMessage(messages, "succes", enabled
          ? "Setările sunt salvate, rolul funcționează și livrarea este pornită."
          : "Setările sunt salvate; livrarea este oprită.");
      } catch (error) {
        const id = FIELDS[error.details?.field];
        if (id && ctx.current()) {
          fieldError(box.querySelector(`#${id}`), box.querySelector(`#eroare-${id}`), error.message);
          box.querySelector(`#${id}`).focus();
          return;
        }
        problem(error);
      }
    }

    async function verify(button) {
      showMessage(messages, null);
      try {
        const { delivery } = await withProgress(button, "Se verifică…", () => api(`${path}/verify`, { method: "POST" }));
        if (!ctx.current()) return;
        show(delivery);
        showMessage(messages, "succes", "Verificare reușită: Arhivar a preluat rolul, a scris și a șters un fișier de test.");
      } catch (error) {
        problem(error);
      }
    }

    async function retry(button) {
      showMessage(messages, null);
      try {
        const { queued, delivery } = await withProgress(button, "Se pornește…",
          () => api(`${path}/retry`, { method: "POST" }));
        if (!ctx.current()) return;
        show(delivery);
        showMessage(messages, "info", `Reîncercăm livrarea pentru ${count(queued)} ${queued === 1 ? "document" : "documente"}.`);
      } catch (error) {
        problem(error);
      }
    }

    try {
      const { delivery } = await api(path);
      if (ctx.current()) show(delivery);
    } catch (error) {
      problem(error);
    }
  },
};
