// "Chei API" on the Integrări page: owners and admins create a company's API keys (name, scopes,
// optional expiry), see the secret once with a curl line to try it, list the keys (prefix,
// scopes, expiry, last use) and revoke them. The API never shows a secret again.
import { api, SESSION_EXPIRED } from "../api.js";
import { dateField, mountDateFields, readDateFields, showDate } from "../date-field.js";
import { confirmDialog, fieldError, html, setHtml, showMessage, withProgress } from "../dom.js";
import { dateTime } from "../format.js";

const SCOPES = [
  { scope: "documents:read", label: "Citește documentele", hint: "lista, detaliile și descărcările" },
  { scope: "exports:write", label: "Creează exporturi", hint: "pornește un export și îl descarcă" },
  { scope: "sync:write", label: "Pornește sincronizarea", hint: "„Sincronizează acum” și istoricul" },
];
const SCOPE_LABELS = Object.fromEntries(SCOPES.map((s) => [s.scope, s.label]));

function form() {
  return html`
    <form id="formular-cheie" class="formular-lat cheie-noua" novalidate>
      <h3>Creează o cheie</h3>
      <label for="cheie-nume">Numele cheii</label>
      <input id="cheie-nume" name="name" maxlength="60" autocomplete="off" required
        aria-describedby="eroare-cheie-nume" placeholder="de exemplu ERP contabilitate">
      <p class="eroare-camp" id="eroare-cheie-nume" role="alert" hidden></p>
      <fieldset class="grup-bife" aria-describedby="eroare-cheie-drepturi">
        <legend>Drepturi</legend>
        ${SCOPES.map((s) => html`
          <div class="bifa">
            <input type="checkbox" id="drept-${s.scope.replace(":", "-")}" name="scopes" value="${s.scope}">
            <label for="drept-${s.scope.replace(":", "-")}">${s.label} <span class="nota">(${s.scope}: ${s.hint})</span></label>
          </div>`)}
      </fieldset>
      <p class="eroare-camp" id="eroare-cheie-drepturi" role="alert" hidden></p>
      ${dateField({ id: "cheie-expira", name: "expires_on", label: "Expiră după (opțional)" })}
      <div class="butoane"><button type="submit" class="buton">Creează cheia</button></div>
    </form>`;
}

function curlLine(cif, secret) {
  return `curl -H "Authorization: ApiKey ${secret}" "${location.origin}/api/companies/${cif}/documents?page_size=10"`;
}

function secretBox(cif, secret, name) {
  return html`
    <div class="cheie-creata" id="cheie-creata" tabindex="-1">
      <p class="mesaj avertisment">Cheia „${name}” a fost creată. Copiați-o acum: nu o veți mai putea vedea.</p>
      <label for="cheie-secret">Cheia API</label>
      <div class="rand-mic">
        <input id="cheie-secret" class="cod-cheie" readonly value="${secret}">
        <button type="button" class="buton mic" data-copiaza="cheie-secret">Copiază cheia</button>
      </div>
      <label for="cheie-curl">Încercați-o din linia de comandă</label>
      <div class="rand-mic">
        <input id="cheie-curl" class="cod-cheie" readonly value="${curlLine(cif, secret)}">
        <button type="button" class="buton mic secundar contur" data-copiaza="cheie-curl">Copiază comanda</button>
      </div>
      <p class="nota" id="copiat" role="status"></p>
    </div>`;
}

function state(key) {
  if (key.revoked_at) return `revocată la ${dateTime(key.revoked_at)}`;
  if (key.expired) return "expirată";
  return "activă";
}

function keyRow(key) {
  return html`
    <tr data-cheie="${key.key_id}" class="${key.active ? "" : "inactiva"}">
      <td data-eticheta="Nume" class="denumire">${key.name}</td>
      <td data-eticheta="Prefix"><code>${key.prefix}</code></td>
      <td data-eticheta="Drepturi">${key.scopes.map((s) => SCOPE_LABELS[s] ?? s).join(", ")}</td>
      <td data-eticheta="Expiră">${key.expires_on ? showDate(key.expires_on) : "nu expiră"}</td>
      <td data-eticheta="Ultima folosire">${key.last_used_at
        ? `${dateTime(key.last_used_at)}${key.last_used_ip ? `, de la ${key.last_used_ip}` : ""}` : "niciodată"}</td>
      <td data-eticheta="Stare">${state(key)}</td>
      <td data-eticheta="Acțiuni">${key.active
        ? html`<button type="button" class="buton mic pericol-contur" data-revoca="${key.key_id}"
            data-nume="${key.name}">Revocă<span class="ascuns"> cheia ${key.name}</span></button>` : "—"}</td>
    </tr>`;
}

function keyTable(keys, limit) {
  if (!keys.length) return html`<p class="nota">Nicio cheie API încă.</p>`;
  return html`
    <p class="nota">Fiecare cheie poate face cel mult ${limit} cereri pe minut.</p>
    <div class="tabel-derulant">
      <table class="tabel chei-api">
        <caption class="ascuns">Cheile API ale companiei</caption>
        <thead><tr><th scope="col">Nume</th><th scope="col">Prefix</th><th scope="col">Drepturi</th>
          <th scope="col">Expiră</th><th scope="col">Ultima folosire</th><th scope="col">Stare</th>
          <th scope="col">Acțiuni</th></tr></thead>
        <tbody>${keys.map(keyRow)}</tbody>
      </table>
    </div>`;
}

async function copy(input, status) {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = "Copiat.";
  } catch {
    input.select(); // no clipboard permission (or plain http): the person copies it themselves
    status.textContent = "Textul este selectat: apăsați Ctrl+C pentru a-l copia.";
  }
}

export default {
  id: "chei-api",
  title: "Chei API",
  intro: "Programele dumneavoastră (ERP, contabilitate) pot citi documentele, crea exporturi și porni " +
    "sincronizarea cu o cheie API, trimisă în antetul Authorization: ApiKey <cheie>. Cheia se vede o " +
    "singură dată, la creare; Arhivar păstrează doar amprenta ei.",
  mount(section, { cif, company, ctx }) {
    if (!["owner", "admin"].includes(company.role)) {
      setHtml(section, html`<p class="nota">Doar proprietarii și administratorii companiei pot gestiona cheile API.</p>`);
      return;
    }
    const path = `/companies/${encodeURIComponent(cif)}/api-keys`;
    setHtml(section, html`
      <div id="mesaj-chei" class="mesaje" role="alert"></div>
      <div id="cheie-noua-afisata"></div>
      <div id="lista-chei" aria-busy="true"><p class="nota">Se încarcă…</p></div>
      ${form()}`);
    const messages = section.querySelector("#mesaj-chei");
    const list = section.querySelector("#lista-chei");
    const shown = section.querySelector("#cheie-noua-afisata");
    const formElement = section.querySelector("#formular-cheie");
    mountDateFields(formElement);
    const problem = (error) => {
      if (error.code !== SESSION_EXPIRED && ctx.current()) showMessage(messages, "eroare", error.message);
    };

    async function load() {
      list.setAttribute("aria-busy", "true");
      try {
        const answer = await api(path);
        if (!ctx.current()) return;
        setHtml(list, keyTable(answer.api_keys, answer.rate_limit_per_minute));
      } catch (error) {
        problem(error);
      } finally {
        list.removeAttribute("aria-busy");
      }
    }

    formElement.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = formElement.querySelector("#cheie-nume");
      const scopes = [...formElement.querySelectorAll('input[name="scopes"]:checked')].map((box) => box.value);
      const { values, problems } = readDateFields(formElement);
      const expiry = formElement.querySelector("#cheie-expira");
      fieldError(name, section.querySelector("#eroare-cheie-nume"),
        name.value.trim() ? "" : "Dați cheii un nume, de exemplu „ERP contabilitate”.");
      const firstBox = formElement.querySelector('input[name="scopes"]');
      fieldError(firstBox, section.querySelector("#eroare-cheie-drepturi"),
        scopes.length ? "" : "Alegeți cel puțin un drept pentru cheie.");
      fieldError(expiry, section.querySelector("#eroare-expires_on"), problems.expires_on ?? "");
      const invalid = formElement.querySelector('[aria-invalid="true"]');
      if (invalid) {
        invalid.focus();
        return;
      }
      await withProgress(formElement.querySelector('button[type="submit"]'), "Se creează…", async () => {
        try {
          const body = { name: name.value.trim(), scopes };
          if (values.expires_on) body.expires_on = values.expires_on;
          const created = await api(path, { method: "POST", body });
          if (!ctx.current()) return;
          showMessage(messages, "", "");
          setHtml(shown, secretBox(cif, created.secret, created.api_key.name));
          formElement.reset();
          shown.querySelector("#cheie-creata").focus();
          await load();
        } catch (error) {
          if (error.details?.field === "expires_on") {
            fieldError(expiry, section.querySelector("#eroare-expires_on"), error.message);
            expiry.focus();
          } else {
            problem(error);
          }
        }
      });
    });

    shown.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-copiaza]");
      if (button) copy(shown.querySelector(`#${button.dataset.copiaza}`), shown.querySelector("#copiat"));
    });

    list.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-revoca]");
      if (!button) return;
      const yes = await confirmDialog({
        title: "Revocați cheia?",
        body: html`Cheia <strong>${button.dataset.nume}</strong> nu va mai funcționa de îndată: programele care
          o folosesc primesc eroarea 401. Acțiunea nu poate fi anulată.`,
        confirmLabel: "Revocă cheia",
        danger: true,
      });
      if (!yes) return;
      try {
        await api(`${path}/${encodeURIComponent(button.dataset.revoca)}`, { method: "DELETE" });
        if (!ctx.current()) return;
        showMessage(messages, "succes", `Cheia „${button.dataset.nume}” a fost revocată.`);
        shown.replaceChildren(); // the secret of a key just revoked is no use to anyone
        await load();
      } catch (error) {
        problem(error);
      }
    });

    load();
  },
};
