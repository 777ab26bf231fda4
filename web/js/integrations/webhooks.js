// Webhook-uri (a section of the Integrări page, web/js/pages/integrations.js): the company's
// signed webhook endpoints. Owners and admins add one (URL, events, kinds of document), see its
// secret once, rotate it, turn it on again, delete it (after a confirmation), send a test event,
// and read its delivery log with "Retrimite" per delivery. The API checks every permission.
import { api, SESSION_EXPIRED } from "../api.js";
import { canAdminister } from "../anaf.js";
import { confirmDialog, fieldError, html, setHtml, showMessage, withProgress } from "../dom.js";
import { dateTime } from "../format.js";

export const EVENT_NAMES = {
  "document.archived": "Document arhivat",
  "authorization.expiring": "Autorizarea ANAF expiră curând",
  "authorization.expired": "Autorizarea ANAF a expirat",
  "sync.failed": "Sincronizare eșuată",
  "archive.gap_warning": "Arhiva rămâne în urmă (limita de 60 de zile a SPV)",
  "export.ready": "Export gata",
  "webhook.test": "Eveniment de test",
};
const SUBSCRIBABLE = Object.keys(EVENT_NAMES).filter((e) => e !== "webhook.test");
const KIND_NAMES = {
  received: "Facturi primite", sent: "Facturi trimise", error: "Mesaje de eroare",
  buyer_message: "Mesaje ale cumpărătorului",
};
const STATUS_NAMES = { pending: "în curs", delivered: "livrat", failed: "eșuat" };

const base = (cif) => `/companies/${encodeURIComponent(cif)}/webhooks`;

function checkboxes(name, names, checked) {
  return Object.entries(names).filter(([code]) => name !== "eveniment" || SUBSCRIBABLE.includes(code))
    .map(([code, label]) => html`
      <div class="bifa">
        <input type="checkbox" id="${name}-${code.replace(".", "-")}" name="${name}" value="${code}"
               ${checked.includes(code) ? html`checked` : ""}>
        <label for="${name}-${code.replace(".", "-")}">${label}</label>
      </div>`);
}

function endpointRow(endpoint) {
  const events = endpoint.events.map((e) => EVENT_NAMES[e] ?? e).join(", ");
  const kinds = endpoint.kinds ? ` (${endpoint.kinds.map((k) => KIND_NAMES[k] ?? k).join(", ")})` : "";
  const state = endpoint.enabled
    ? html`<span class="insigna autorizare-authorized">activ</span>`
    : html`<span class="insigna autorizare-expired">dezactivat</span>${endpoint.disabled_reason === "failing"
      ? html`<div class="nota">nu a răspuns o zi (din ${dateTime(endpoint.failing_since)})</div>` : ""}`;
  const rotating = endpoint.previous_secret_until
    ? html`<div class="nota">secretul vechi semnează și el până la ${dateTime(endpoint.previous_secret_until)}</div>` : "";
  return html`
    <tr data-id="${endpoint.id}">
      <td data-eticheta="Adresă"><div class="denumire">${endpoint.url}</div>
        ${endpoint.description ? html`<div class="nota">${endpoint.description}</div>` : ""}
        <div class="nota">secret ${endpoint.secret_hint}</div>${rotating}</td>
      <td data-eticheta="Evenimente">${events}${kinds}</td>
      <td data-eticheta="Stare">${state}</td>
      <td data-eticheta="Acțiuni"><div class="butoane">
        <button type="button" class="buton mic secundar contur" data-actiune="jurnal">Jurnal livrări<span class="ascuns"> pentru ${endpoint.url}</span></button>
        ${endpoint.enabled
          ? html`<button type="button" class="buton mic secundar contur" data-actiune="test">Trimite un eveniment de test<span class="ascuns"> la ${endpoint.url}</span></button>`
          : html`<button type="button" class="buton mic" data-actiune="activeaza">Activează<span class="ascuns"> ${endpoint.url}</span></button>`}
        <button type="button" class="buton mic secundar contur" data-actiune="secret">Schimbă secretul<span class="ascuns"> pentru ${endpoint.url}</span></button>
        <button type="button" class="buton mic pericol" data-actiune="sterge">Șterge<span class="ascuns"> ${endpoint.url}</span></button>
      </div></td>
    </tr>`;
}

function endpointsTable(endpoints) {
  if (!endpoints.length) return html`<p class="gol" id="fara-webhooks">Niciun webhook încă.</p>`;
  return html`
    <div class="tabel-derulant">
      <table class="tabel" id="tabel-webhooks">
        <caption class="ascuns">Webhook-urile companiei</caption>
        <thead><tr><th scope="col">Adresă</th><th scope="col">Evenimente</th><th scope="col">Stare</th>
          <th scope="col">Acțiuni</th></tr></thead>
        <tbody>${endpoints.map(endpointRow)}</tbody>
      </table>
    </div>`;
}

function deliveryRow(delivery) {
  const code = delivery.response_status ?? "—";
  const latency = delivery.latency_ms != null ? `${delivery.latency_ms} ms` : "—";
  return html`
    <tr data-livrare="${delivery.id}">
      <td data-eticheta="Eveniment"><div>${EVENT_NAMES[delivery.event_type] ?? delivery.event_type}</div>
        <div class="nota"><code>${delivery.id}</code></div></td>
      <td data-eticheta="Stare">${STATUS_NAMES[delivery.status] ?? delivery.status}${delivery.error
        ? html`<div class="nota">${delivery.error}</div>` : ""}${delivery.status === "pending" && delivery.next_attempt_at
        ? html`<div class="nota">următoarea încercare ${dateTime(delivery.next_attempt_at)}</div>` : ""}</td>
      <td data-eticheta="Încercări">${delivery.attempts}</td>
      <td data-eticheta="Cod răspuns">${code}</td>
      <td data-eticheta="Durată">${latency}</td>
      <td data-eticheta="Ultima încercare">${dateTime(delivery.last_attempt_at)}</td>
      <td data-eticheta="Acțiuni"><button type="button" class="buton mic secundar contur" data-actiune="retrimite">Retrimite<span class="ascuns"> ${delivery.id}</span></button></td>
    </tr>`;
}

function deliveriesView(endpoint, deliveries) {
  return html`
    <h3 id="titlu-jurnal" tabindex="-1">Jurnal livrări: ${endpoint.url}</h3>
    <p class="nota">Ultimele 50 de livrări (30 de zile). Aceeași livrare păstrează același
      <code>webhook-id</code> la fiecare încercare și la „Retrimite”.</p>
    <div class="butoane"><button type="button" class="buton mic secundar contur" data-actiune="reincarca">Reîncarcă jurnalul</button></div>
    ${deliveries.length ? html`
      <div class="tabel-derulant">
        <table class="tabel" id="tabel-livrari">
          <caption class="ascuns">Livrările webhook-ului</caption>
          <thead><tr><th scope="col">Eveniment</th><th scope="col">Stare</th><th scope="col">Încercări</th>
            <th scope="col">Cod răspuns</th><th scope="col">Durată</th><th scope="col">Ultima încercare</th>
            <th scope="col">Acțiuni</th></tr></thead>
          <tbody>${deliveries.map(deliveryRow)}</tbody>
        </table>
      </div>` : html`<p class="gol" id="fara-livrari">Nicio livrare încă.</p>`}`;
}

function formView() {
  return html`
    <form id="formular-webhook" class="formular-lat" novalidate>
      <h3>Adaugă un webhook</h3>
      <label for="url-webhook">Adresa (URL https://)</label>
      <input id="url-webhook" type="url" inputmode="url" autocomplete="off" required
             placeholder="https://erp.firma.ro/arhivar" aria-describedby="eroare-url-webhook">
      <p id="eroare-url-webhook" class="eroare-camp" hidden></p>
      <label for="descriere-webhook">Descriere (opțional)</label>
      <input id="descriere-webhook" type="text" maxlength="200" autocomplete="off">
      <fieldset id="evenimente-webhook" class="grup-bife" aria-describedby="eroare-evenimente-webhook">
        <legend>Evenimente</legend>
        ${checkboxes("eveniment", EVENT_NAMES, ["document.archived"])}
        <p id="eroare-evenimente-webhook" class="eroare-camp" hidden></p>
      </fieldset>
      <fieldset id="tipuri-webhook" class="grup-bife">
        <legend>Tipuri de documente (pentru „Document arhivat”; niciunul bifat: toate)</legend>
        ${checkboxes("tip", KIND_NAMES, [])}
      </fieldset>
      <button type="submit" class="buton">Adaugă webhook-ul</button>
    </form>`;
}

function secretView(secret, url, rotated) {
  return html`
    <div class="mesaj succes" id="secret-webhook" tabindex="-1">
      <p><strong>${rotated ? "Secretul nou" : "Secretul de semnare"} pentru ${url}</strong>, afișat o singură dată:</p>
      <p><code class="cheie">${secret}</code></p>
      <p class="nota">Păstrați-l în sistemul care primește webhook-urile: cu el verifică semnătura
        (Standard Webhooks). ${rotated ? "Secretul vechi mai semnează 24 de ore, alături de cel nou." : ""}</p>
    </div>`;
}

export default {
  id: "webhooks",
  title: "Webhook-uri",
  intro: "Arhivar trimite un mesaj semnat (Standard Webhooks) la adresa dumneavoastră când arhivează un document, când autorizarea ANAF expiră, când sincronizarea eșuează și altele.",
  mount(section, { cif, company, ctx }) {
    if (!canAdminister(company)) {
      setHtml(section, html`<p class="nota" id="webhooks-doar-admin">Doar proprietarii și administratorii
        companiei gestionează webhook-urile.</p>`);
      return;
    }
    setHtml(section, html`
      <div id="mesaj-webhooks" class="mesaje" role="alert"></div>
      <div id="secret-nou"></div>
      <div id="lista-webhooks" aria-busy="true"><p class="nota">Se încarcă…</p></div>
      <div id="jurnal-livrari"></div>
      ${formView()}`);
    const messages = section.querySelector("#mesaj-webhooks");
    const list = section.querySelector("#lista-webhooks");
    const log = section.querySelector("#jurnal-livrari");
    const secretBox = section.querySelector("#secret-nou");
    let endpoints = [];
    let shown = null; // the endpoint whose log is open

    const failed = (error) => {
      if (error.code === SESSION_EXPIRED || !ctx.current()) return;
      showMessage(messages, "eroare", error.message);
    };
    const showSecret = (secret, url, rotated) => {
      setHtml(secretBox, secretView(secret, url, rotated));
      secretBox.querySelector("#secret-webhook").focus();
    };

    async function load() {
      try {
        ({ webhooks: endpoints } = await api(base(cif)));
      } catch (error) {
        failed(error);
        return;
      }
      if (!ctx.current()) return;
      setHtml(list, endpointsTable(endpoints));
      list.removeAttribute("aria-busy");
    }

    async function openLog(endpoint, focus = true) {
      shown = endpoint;
      try {
        const { deliveries } = await api(`${base(cif)}/${encodeURIComponent(endpoint.id)}/deliveries`);
        if (!ctx.current()) return;
        setHtml(log, deliveriesView(endpoint, deliveries));
        if (focus) log.querySelector("#titlu-jurnal").focus();
      } catch (error) {
        failed(error);
      }
    }

    list.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-actiune]");
      if (!button) return;
      const endpoint = endpoints.find((e) => e.id === button.closest("tr").dataset.id);
      if (!endpoint) return;
      const path = `${base(cif)}/${encodeURIComponent(endpoint.id)}`;
      showMessage(messages, null);
      try {
        switch (button.dataset.actiune) {
          case "jurnal":
            await openLog(endpoint);
            break;
          case "test":
            await withProgress(button, "Se trimite…", () => api(`${path}/test`, { method: "POST" }));
            showMessage(messages, "succes", "Evenimentul de test a fost pus în coada de livrare. Urmăriți-l în jurnal.");
            await openLog(endpoint, false);
            break;
          case "activeaza":
            await withProgress(button, "Se activează…", () => api(path, { method: "PUT", body: {
              url: endpoint.url, events: endpoint.events, kinds: endpoint.kinds,
              description: endpoint.description, enabled: true } }));
            showMessage(messages, "succes", "Webhook-ul este din nou activ.");
            await load();
            break;
          case "secret": {
            const sure = await confirmDialog({
              title: "Schimbați secretul?", confirmLabel: "Schimbă secretul",
              body: html`<p>Primiți un secret nou pentru ${endpoint.url}. Timp de 24 de ore mesajele sunt
                semnate cu ambele secrete, ca să puteți actualiza sistemul care le primește.</p>` });
            if (!sure) return;
            const { secret } = await api(`${path}/rotate`, { method: "POST" });
            await load();
            showSecret(secret, endpoint.url, true);
            break;
          }
          case "sterge": {
            const sure = await confirmDialog({
              title: "Ștergeți webhook-ul?", confirmLabel: "Șterge webhook-ul", danger: true,
              body: html`<p>${endpoint.url} nu va mai primi niciun eveniment, iar livrările în curs se opresc.</p>` });
            if (!sure) return;
            await api(path, { method: "DELETE" });
            if (shown?.id === endpoint.id) setHtml(log, html``);
            showMessage(messages, "succes", "Webhook-ul a fost șters.");
            await load();
            break;
          }
          default:
        }
      } catch (error) {
        failed(error);
      }
    });

    log.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-actiune]");
      if (!button || !shown) return;
      if (button.dataset.actiune === "reincarca") {
        await openLog(shown);
        return;
      }
      const id = button.closest("tr")?.dataset.livrare;
      if (button.dataset.actiune !== "retrimite" || !id) return;
      showMessage(messages, null);
      try {
        await withProgress(button, "Se retrimite…", () => api(
          `${base(cif)}/${encodeURIComponent(shown.id)}/deliveries/${encodeURIComponent(id)}/resend`, { method: "POST" }));
        showMessage(messages, "succes", "Livrarea a fost pusă din nou în coadă, cu același webhook-id.");
        await openLog(shown, false);
      } catch (error) {
        failed(error);
      }
    });

    const form = section.querySelector("#formular-webhook");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const url = form.querySelector("#url-webhook");
      const urlError = form.querySelector("#eroare-url-webhook");
      const eventsError = form.querySelector("#eroare-evenimente-webhook");
      const events = [...form.querySelectorAll('input[name="eveniment"]:checked')].map((i) => i.value);
      const kinds = [...form.querySelectorAll('input[name="tip"]:checked')].map((i) => i.value);
      fieldError(url, urlError, url.value.trim() ? "" : "Scrieți adresa la care trimitem evenimentele.");
      const firstEvent = form.querySelector('input[name="eveniment"]');
      fieldError(firstEvent, eventsError, events.length ? "" : "Alegeți cel puțin un eveniment.");
      if (!url.value.trim()) return url.focus();
      if (!events.length) return firstEvent.focus();
      const button = form.querySelector('button[type="submit"]');
      try {
        const created = await withProgress(button, "Se adaugă…", () => api(base(cif), { method: "POST", body: {
          url: url.value.trim(), events, kinds: kinds.length ? kinds : null,
          description: form.querySelector("#descriere-webhook").value.trim() || null } }));
        form.reset();
        form.querySelector("#eveniment-document-archived").checked = true;
        await load();
        showSecret(created.secret, created.webhook.url, false);
      } catch (error) {
        if (error.code === "invalid_webhook_url") {
          fieldError(url, urlError, error.message);
          url.focus();
          return;
        }
        failed(error);
      }
    });

    load();
  },
};
