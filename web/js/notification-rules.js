// "Reguli de notificare" on the Notificări page: per company, the new-invoice e-mails routed to
// chosen addresses for a partner (CIF) or above an amount. Owners and admins see and change
// them here (the API enforces it); all data goes through html`…`.
import { api } from "./api.js";
import { confirmDialog, html, setHtml, showMessage, withProgress } from "./dom.js";
import { money } from "./documents/view.js";

const base = (cif) => `/companies/${encodeURIComponent(cif)}/notification-rules`;

function rulesTable(company, rules) {
  if (!rules.length) return html`<p class="nota">Nicio regulă pentru ${company.name}.</p>`;
  return html`<div class="tabel-derulant"><table class="tabel reguli-notificare" data-cif="${company.cif}">
    <caption class="ascuns">Regulile de notificare ale companiei ${company.name}</caption>
    <thead><tr><th scope="col">Partener (CIF)</th><th scope="col">Total minim</th><th scope="col">Adrese</th>
      <th scope="col">Acțiuni</th></tr></thead>
    <tbody>${rules.map((rule) => html`<tr data-regula="${rule.id}">
      <td data-eticheta="Partener (CIF)">${rule.partner_cif ?? "orice partener"}</td>
      <td data-eticheta="Total minim">${rule.min_amount ? money(rule.min_amount) : "orice sumă"}</td>
      <td data-eticheta="Adrese"><ul class="adrese">${rule.emails.map((e) => html`<li>${e.email}${e.unsubscribed
        ? html` <span class="nota">(dezabonat)</span>` : ""}</li>`)}</ul></td>
      <td data-eticheta="Acțiuni"><button type="button" class="buton mic secundar contur" data-sterge-regula="${rule.id}"
        data-cif="${company.cif}">Șterge<span class="ascuns"> regula</span></button></td>
    </tr>`)}</tbody></table></div>`;
}

function form(companies) {
  return html`<form class="formular-lat" id="formular-regula" novalidate>
    <h3>Regulă nouă</h3>
    ${companies.length > 1 ? html`<label for="regula-companie">Compania</label>
      <select id="regula-companie">${companies.map((c) => html`<option value="${c.cif}">${c.name}</option>`)}</select>`
      : html`<input type="hidden" id="regula-companie" value="${companies[0].cif}">`}
    <label for="regula-partener">CIF-ul partenerului (opțional)</label>
    <input id="regula-partener" inputmode="numeric" autocomplete="off" aria-describedby="ajutor-regula">
    <label for="regula-suma">Total minim cu TVA (opțional)</label>
    <input id="regula-suma" inputmode="decimal" autocomplete="off" aria-describedby="ajutor-regula">
    <p class="nota" id="ajutor-regula">Completați partenerul, suma sau amândouă (atunci factura trebuie să le
      îndeplinească pe amândouă). Suma se scrie ca în România: 10.000 sau 2.500,50.</p>
    <label for="regula-adrese">Adrese de e-mail (una pe rând, cel mult 10)</label>
    <textarea id="regula-adrese" rows="3" aria-describedby="eroare-regula"></textarea>
    <p class="eroare-camp" id="eroare-regula" role="alert" hidden></p>
    <div class="butoane"><button type="submit" class="buton">Adaugă regula</button></div>
  </form>`;
}

/** Adds the section after the preferences, for the companies the person administers. */
export async function mountNotificationRules(root, companies, alive) {
  if (!companies.length) return;
  const section = document.createElement("section");
  section.className = "card";
  section.id = "reguli-notificare";
  section.setAttribute("aria-labelledby", "titlu-reguli");
  // The heading is there from the start: the section is a named region while its rules load.
  setHtml(section, html`<h2 id="titlu-reguli">Reguli de notificare</h2>
    <div class="continut-reguli" aria-busy="true"><p class="nota">Se încarcă…</p></div>`);
  const content = section.querySelector(".continut-reguli");
  root.querySelector("#setari-notificari").after(section);

  async function render(message) {
    let lists;
    try {
      lists = await Promise.all(companies.map((c) => api(base(c.cif))));
    } catch (error) {
      if (alive()) setHtml(content, html`<p class="mesaj eroare">${error.message}</p>`);
      return;
    } finally {
      content.removeAttribute("aria-busy");
    }
    if (!alive()) return;
    setHtml(content, html`<p>E-mailul despre facturi noi poate merge și la alte adrese (de exemplu, la departamentul de
        achiziții) pentru un anumit partener sau peste o sumă, în plus față de membri. Fiecare e-mail are
        linkul de dezabonare; adresele care au respins e-mailuri nu mai primesc nimic.</p>
      ${companies.map((company, i) => html`<h3>${company.name}</h3>${rulesTable(company, lists[i].rules)}`)}
      ${form(companies)}
      <div id="mesaj-reguli" role="status" aria-live="polite"></div>`);
    if (message) showMessage(section.querySelector("#mesaj-reguli"), "succes", message);
  }

  section.addEventListener("submit", async (event) => {
    event.preventDefault();
    const $ = (id) => section.querySelector(`#${id}`);
    const emails = $("regula-adrese").value.split(/[\s,;]+/).filter(Boolean);
    const error = $("eroare-regula");
    const body = { emails, partner_cif: $("regula-partener").value.trim() || null,
      min_amount: $("regula-suma").value.trim() || null };
    await withProgress(event.target.querySelector("button[type=submit]"), "Se adaugă…", async () => {
      try {
        await api(base($("regula-companie").value), { method: "POST", body });
        await render("Regula a fost adăugată.");
      } catch (failure) {
        if (!alive()) return;
        error.textContent = failure.message;
        error.hidden = false;
      }
    });
  });
  section.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-sterge-regula]");
    if (!button) return;
    const yes = await confirmDialog({ title: "Ștergeți regula?", body: html`<p>Adresele ei nu vor mai primi
      e-mailurile despre facturile noi ale acestei reguli.</p>`, confirmLabel: "Șterge regula", danger: true });
    if (!yes) return;
    try {
      await api(`${base(button.dataset.cif)}/${encodeURIComponent(button.dataset.stergeRegula)}`, { method: "DELETE" });
      await render("Regula a fost ștearsă.");
    } catch (failure) {
      if (alive()) showMessage(section.querySelector("#mesaj-reguli"), "eroare", failure.message);
    }
  });
  await render();
}
