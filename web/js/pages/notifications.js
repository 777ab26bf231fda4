// Notificări prin e-mail (/cont/notificari): per company, which e-mails the person gets, the
// company's licence (owners and admins change it here), and whether the address is suppressed.
// Dezabonare (/dezabonare): the page the unsubscribe link of every e-mail opens, no login needed.
import { api, request } from "../api.js";
import { confirmDialog, html, setHtml, showMessage, withProgress } from "../dom.js";
import { dateTime, roleName } from "../format.js";
import { mountNotificationRules } from "../notification-rules.js";

const SUPPRESSION = {
  bounce: "e-mailurile trimise către această adresă au fost returnate (adresa nu există sau nu primește mesaje)",
  complaint: "un e-mail Arhivar a fost marcat ca spam de la această adresă",
};

function licenceCell(company, licences) {
  if (!company.can_change_licence) {
    return html`<span class="insigna">${company.licence.name}</span>`;
  }
  return html`
    <form class="schimba-licenta rand-mic" data-cif="${company.cif}" data-nume="${company.name}"
      data-actuala="${company.licence.code}">
      <select aria-label="Licența pentru ${company.name}">${licences.map((l) => html`
        <option value="${l.code}" ${l.code === company.licence.code ? html`selected` : ""}>${l.name}</option>`)}
      </select>
      <button type="submit" class="buton mic secundar contur">Schimbă<span class="ascuns"> licența pentru ${company.name}</span></button>
    </form>`;
}

// Authorization and archive warnings go to owners and admins only (services/notifications.py).
const ADMIN_ONLY = new Set(["authorization", "coverage_warnings", "integrations"]);

function toggles(company, categories) {
  return categories.map((category) => !["owner", "admin"].includes(company.role) && ADMIN_ONLY.has(category.code)
    ? html`<td data-eticheta="${category.label}"><span class="nota"
        title="Doar proprietarii și administratorii primesc aceste e-mailuri">—</span></td>`
    : html`
    <td data-eticheta="${category.label}">
      <input type="checkbox" data-cif="${company.cif}" data-categorie="${category.code}"
             aria-label="${category.label} pentru ${company.name}"
             ${company.categories[category.code] ? html`checked` : ""}>
    </td>`);
}

function table(settings, licences) {
  if (settings.companies.length === 0) {
    return html`<p class="gol">Nu aveți încă nicio companie. Adăugați una din pagina
      <a href="/companii" data-link>Companii</a>.</p>`;
  }
  return html`
    <div class="tabel-derulant">
      <table class="tabel" id="tabel-notificari">
        <thead><tr>
          <th scope="col">Companie</th><th scope="col">Licență</th>
          ${settings.categories.map((c) => html`<th scope="col" title="${c.description}">${c.label}</th>`)}
        </tr></thead>
        <tbody>${settings.companies.map((company) => html`
          <tr data-cif="${company.cif}">
            <th scope="row"><div>${company.name}</div><span class="nota">CIF ${company.cif} · ${roleName(company.role)}</span></th>
            <td data-eticheta="Licență">${licenceCell(company, licences)}</td>
            ${toggles(company, settings.categories)}
          </tr>`)}
        </tbody>
      </table>
    </div>`;
}

function licenceList(licences) {
  return html`<ul class="licente">${licences.map((l) => html`
    <li><strong>${l.name}</strong>: sincronizare ${l.sync_label}${quietNote(l)}, ${l.new_document_emails_label}.</li>`)}</ul>`;
}

/** Adaptive polling's promise for a quiet company, when the licence backs off: " (fără documente noi …)". */
function quietNote(licence) {
  return licence.quiet_sync_label ? ` (${licence.quiet_sync_label})` : "";
}

function suppressedNote(settings) {
  if (!settings.suppressed) return "";
  return html`<p class="mesaj avertisment" id="adresa-suprimata">Nu vă mai trimitem e-mailuri la
    ${settings.email}: ${SUPPRESSION[settings.suppressed.reason] ?? settings.suppressed.reason}
    (${dateTime(settings.suppressed.at)}). Verificați adresa sau scrieți-ne pentru a relua trimiterea.</p>`;
}

async function load(root, ctx) {
  const area = root.querySelector("#setari-notificari");
  let settings;
  let licences;
  try {
    [settings, { licences }] = await Promise.all([api("/account/notifications"), request("/licences")]);
  } catch (error) {
    if (ctx.current()) showMessage(root.querySelector("#mesaj-notificari"), "eroare", error.message);
    return;
  }
  if (!ctx.current()) return;
  setHtml(area, html`
    ${suppressedNote(settings)}
    <p>E-mailurile despre documente noi depind de licența companiei:</p>
    ${licenceList(licences)}
    ${table(settings, licences)}
    ${settings.companies.length ? html`
      <div class="butoane"><button type="button" class="buton" id="salveaza-notificari">Salvează preferințele</button></div>` : ""}
    <p class="nota">Invitațiile, linkurile de autorizare ANAF și codurile de securitate se trimit întotdeauna.</p>`);
  wire(root, licences);
  mountNotificationRules(root, settings.companies.filter((c) => c.can_change_licence), ctx.current);
}

function wire(root, licences) {
  const message = root.querySelector("#mesaj-notificari");
  root.querySelector("#salveaza-notificari")?.addEventListener("click", async (event) => {
    const companies = {};
    for (const box of root.querySelectorAll("input[data-categorie]")) {
      companies[box.dataset.cif] ??= {};
      companies[box.dataset.cif][box.dataset.categorie] = box.checked;
    }
    await withProgress(event.currentTarget, "Se salvează…", async () => {
      try {
        await api("/account/notifications", { method: "PUT", body: { companies } });
        showMessage(message, "succes", "Preferințele au fost salvate.");
      } catch (error) {
        showMessage(message, "eroare", error.message);
      }
    });
  });
  for (const form of root.querySelectorAll("form.schimba-licenta")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const licence = form.querySelector("select").value;
      const wanted = licences.find((l) => l.code === licence);
      const current = licences.find((l) => l.code === form.dataset.actuala);
      if (!wanted || licence === form.dataset.actuala) {
        showMessage(message, "info", `Compania ${form.dataset.nume} are deja licența ${current?.name ?? licence}.`);
        return;
      }
      const yes = await confirmDialog({
        title: "Schimbați licența?",
        body: html`<p>Licența companiei <strong>${form.dataset.nume}</strong> se schimbă din
            <strong>${current?.name ?? form.dataset.actuala}</strong> în <strong>${wanted.name}</strong>.</p>
          <p>De acum: sincronizare ${wanted.sync_label}${quietNote(wanted)}, ${wanted.new_document_emails_label}. Documentele
            arhivate rămân neschimbate.</p>`,
        confirmLabel: `Schimbă în ${wanted.name}`,
      });
      if (!yes) return;
      await withProgress(form.querySelector("button"), "Se schimbă…", async () => {
        try {
          const state = await api(`/companies/${encodeURIComponent(form.dataset.cif)}/licence`,
            { method: "PUT", body: { licence } });
          form.dataset.actuala = state.licence.code;
          showMessage(message, "succes",
            `Licența este acum ${state.licence.name}: sincronizare ${state.licence.sync_label}.`);
        } catch (error) {
          showMessage(message, "eroare", error.message);
        }
      });
    });
  }
}

export default {
  title: "Notificări prin e-mail",
  auth: true,
  render: () => html`
    <p class="firimituri"><a href="/cont" data-link>Contul meu</a> › Notificări</p>
    <h1>Notificări prin e-mail</h1>
    <p class="subtitlu">Alegeți, pentru fiecare companie, ce e-mailuri primiți.</p>
    <div id="mesaj-notificari" class="mesaje" role="status"></div>
    <section class="card" id="setari-notificari" aria-live="polite"><p>Se încarcă…</p></section>`,
  mount: (root, ctx) => load(root, ctx),
};

// -- /dezabonare -------------------------------------------------------------------------------

const CATEGORY_LABELS = {
  new_documents: "e-mailurile despre documente noi",
  authorization: "e-mailurile despre autorizarea ANAF",
  coverage_warnings: "avertismentele despre arhivă",
  exports: "e-mailurile despre exporturi",
  integrations: "e-mailurile despre integrări",
};

async function unsubscribe(root, token) {
  const area = root.querySelector("#dezabonare");
  let response;
  try {
    response = await fetch(`/api/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
  } catch {
    showMessage(root.querySelector("#mesaj-dezabonare"), "eroare",
      "Nu ne putem conecta la serviciu. Încercați din nou.");
    return;
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    showMessage(root.querySelector("#mesaj-dezabonare"), "eroare",
      payload?.error?.message ?? "Dezabonarea nu a reușit. Încercați din nou.");
    return;
  }
  setHtml(area, html`
    <p class="mesaj succes" id="dezabonat">Gata: nu mai primiți ${CATEGORY_LABELS[payload.category.code] ?? payload.category.label}
      pentru ${payload.companies.join(", ")}.</p>
    <p>Vă puteți răzgândi oricând din <a href="/cont/notificari" data-link>setările notificărilor</a>.</p>`);
}

export const unsubscribePage = {
  title: "Dezabonare",
  render: ({ query }) => {
    if (query.get("eroare") || !query.get("token")) {
      return html`
        <section class="card rezultat-anaf">
          <h1>Dezabonare</h1>
          <p class="mesaj eroare" id="link-invalid">Linkul de dezabonare nu este valid. Folosiți linkul
            complet din e-mail sau schimbați preferințele din <a href="/cont/notificari" data-link>contul
            dumneavoastră</a>.</p>
        </section>`;
    }
    const what = CATEGORY_LABELS[query.get("categorie")] ?? "aceste e-mailuri";
    return html`
      <section class="card rezultat-anaf">
        <h1>Dezabonare</h1>
        <div id="mesaj-dezabonare" class="mesaje" role="alert"></div>
        <div id="dezabonare" aria-live="polite">
          <p>Nu mai doriți să primiți ${what}${query.get("companii") ? html` pentru
            <strong>${query.get("companii")}</strong>` : ""}?</p>
          <div class="butoane">
            <button type="button" class="buton" id="confirma-dezabonare">Da, dezabonează-mă</button>
            <a href="/cont/notificari" data-link>Alte setări</a>
          </div>
        </div>
      </section>`;
  },
  mount: (root, { query }) => {
    const button = root.querySelector("#confirma-dezabonare");
    button?.addEventListener("click", () =>
      withProgress(button, "Se dezabonează…", () => unsubscribe(root, query.get("token"))));
  },
};
