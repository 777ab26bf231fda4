// Panoul de control al companiilor: the account's companies, and adding one by CIF (checked in
// the browser, looked up at ANAF, confirmed by the person, then saved). Each row offers the ANAF
// authorization and "Sincronizează acum"; the page also explains what came back from ANAF
// (/companii?anaf=…) and answers the reminder e-mails' links (/companii?autorizeaza=<cif>).
import {
  authorizeLabel, callbackResult, canAuthorize, canSync, dashboardOutcome, needsAuthorization,
  requestSync, sendAuthorizationLink, startAuthorization, syncProblem,
} from "../anaf.js";
import { api, SESSION_EXPIRED } from "../api.js";
import { checkCif } from "../cif.js";
import { authorizationBadge, lastSync, publicDetails, SYNC_POLL_MS } from "../companies-view.js";
import { fieldError, html, setHtml, showMessage, withProgress } from "../dom.js";
import { count } from "../format.js";

const PENDING_EXPLANATION = "Compania nu este verificată: vedeți facturile ei după ce o autorizați " +
  "la ANAF cu un certificat digital care are drept de acces în SPV pentru ea (al dumneavoastră sau " +
  "al titularului căruia îi trimiteți un link) sau când un membru verificat al companiei vă invită.";

/** "Autorizează cu certificatul existent": offered when a certificate the person already signed
 *  with lists this CIF; the API asks ANAF with that certificate's token before proving anything. */
function existingCertificateButton(company, offered) {
  if (!offered.has(company.cif)) return "";
  return html`<button type="button" class="buton mic" data-certificat-existent="${company.cif}"
      >Autorizează cu certificatul existent<span class="ascuns"> — ${company.name}</span></button>
    <span class="nota explicatie-buton">certificatul cu care ați autorizat deja o companie are drept SPV
      și pentru aceasta; ANAF confirmă dreptul</span>`;
}

function row(company, offered = new Set()) {
  const cif = company.cif;
  if (company.membership_state === "pending") {
    return html`
      <tr class="in-asteptare" data-cif="${cif}">
        <td data-eticheta="CIF">${cif}</td>
        <td data-eticheta="Denumire" class="denumire">${company.name}</td>
        <td colspan="5" data-eticheta="Stare"><div>${authorizationBadge(company)}
          <span class="explicatie">${PENDING_EXPLANATION}</span></div></td>
        <td class="actiuni" data-eticheta="Acțiuni">
          <div class="legaturi-actiuni">
            ${existingCertificateButton(company, offered)}
            <button type="button" class="buton mic" data-autorizeaza="${cif}">Autorizează<span
              class="ascuns"> — ${company.name}</span></button>
            <span class="nota explicatie-buton">dovedește accesul cu certificatul dumneavoastră</span>
            <details class="link-titular">
              <summary>Trimite link titularului<span class="ascuns"> — ${company.name}</span></summary>
              <form data-link-cif="${cif}" novalidate>
                <label for="email-titular-${cif}">E-mailul titularului certificatului</label>
                <input id="email-titular-${cif}" type="email" autocomplete="off" required
                  aria-describedby="eroare-email-titular-${cif}">
                <button type="submit" class="buton mic secundar">Trimite linkul</button>
                <p class="eroare-camp" id="eroare-email-titular-${cif}" role="alert" hidden></p>
              </form>
            </details>
          </div>
        </td>
      </tr>`;
  }
  const data = company.public ?? {};
  return html`
    <tr data-cif="${cif}">
      <td data-eticheta="CIF">${cif}</td>
      <td data-eticheta="Denumire" class="denumire">${company.name}</td>
      <td data-eticheta="Adresă" class="adresa">${data.address || "—"}</td>
      <td data-eticheta="Autorizat cu ANAF"><div>${authorizationBadge(company)}</div></td>
      <td data-eticheta="Licență">${company.licence?.name ?? "—"}</td>
      <td data-eticheta="Ultima sincronizare">${lastSync(company)}</td>
      <td data-eticheta="Documente" class="numar">${count(company.document_count)}</td>
      <td class="actiuni" data-eticheta="Acțiuni">
        <div class="legaturi-actiuni">
          ${existingCertificateButton(company, offered)}
          ${needsAuthorization(company) ? html`<button type="button" class="buton mic" data-autorizeaza="${cif}"
            >${authorizeLabel(company)}<span class="ascuns"> — ${company.name}</span></button>` : ""}
          ${canSync(company) ? html`<button type="button" class="buton mic secundar contur"
            data-sincronizeaza="${cif}">Sincronizează acum<span class="ascuns"> — ${company.name}</span></button>` : ""}
          <a href="/documente?cif=${cif}" data-link>Documente<span class="ascuns"> — ${company.name}</span></a>
          <a href="/companii/${cif}" data-link>Detalii<span class="ascuns"> — ${company.name}</span></a>
        </div>
      </td>
    </tr>`;
}

const ROLE_NAMES = { owner: "proprietar", admin: "administrator", viewer: "vizualizare" };

function invitationItem(invitation) {
  return html`
    <li data-cif="${invitation.cif}">
      <p><strong>${invitation.name}</strong> (CIF ${invitation.cif}), rolul
        ${ROLE_NAMES[invitation.role] ?? invitation.role}${invitation.invited_by
          ? html`, invitație de la ${invitation.invited_by}` : ""}</p>
      <div class="butoane">
        <button type="button" class="buton mic" data-accepta="${invitation.cif}">Acceptă<span
          class="ascuns"> — ${invitation.name}</span></button>
        <button type="button" class="buton mic secundar contur" data-refuza="${invitation.cif}">Refuză<span
          class="ascuns"> — ${invitation.name}</span></button>
      </div>
    </li>`;
}

function table(companies, offered) {
  if (!companies.length) {
    return html`
      <div class="gol" id="fara-companii">
        <h3>Nu aveți încă nicio companie în cont</h3>
        <ol>
          <li>Introduceți mai sus CIF-ul companiei și verificați datele găsite la ANAF.</li>
          <li>Autorizați apoi compania la ANAF, cu certificatul digital al unei persoane care are
              drept de acces în SPV pentru ea.</li>
          <li>Arhivar descarcă după aceea automat facturile primite și trimise și le păstrează
              10 ani.</li>
        </ol>
      </div>`;
  }
  return html`
    <div class="tabel-derulant">
      <table class="tabel companii">
        <caption class="ascuns">Companiile din contul dumneavoastră</caption>
        <thead>
          <tr>
            <th scope="col">CIF</th><th scope="col">Denumire</th><th scope="col">Adresă</th>
            <th scope="col">Autorizat cu ANAF</th><th scope="col">Licență</th>
            <th scope="col">Ultima sincronizare</th><th scope="col">Documente</th>
            <th scope="col">Acțiuni</th>
          </tr>
        </thead>
        <tbody>${companies.map((company) => row(company, offered))}</tbody>
      </table>
    </div>`;
}

export default {
  title: "Companii",
  auth: true,
  render: () => html`
    <h1>Panoul de control al companiilor</h1>
    <div id="mesaj-companii" role="status"></div>

    <section class="card adaugare" aria-labelledby="titlu-adaugare">
      <h2 id="titlu-adaugare">Înregistrează companie</h2>
      <form id="formular-cif" novalidate>
        <label for="cif">CIF-ul companiei</label>
        <div class="rand">
          <input id="cif" name="cif" type="text" autocomplete="off" spellcheck="false" maxlength="20"
                 aria-describedby="ajutor-cif eroare-cif">
          <button class="buton" type="submit" id="cauta">Caută la ANAF</button>
        </div>
        <p class="nota" id="ajutor-cif">Cu sau fără „RO”; spațiile sunt permise.</p>
        <p class="eroare-camp" id="eroare-cif" role="alert" hidden></p>
      </form>
      <div id="rezultat-cautare"></div>
    </section>

    <section class="card invitatii" id="invitatii" aria-labelledby="titlu-invitatii" hidden>
      <h2 id="titlu-invitatii">Invitații</h2>
      <p class="nota">Aveți acces la o companie la care ați fost invitat numai după ce acceptați invitația.</p>
      <ul id="lista-invitatii"></ul>
    </section>

    <section class="lista" aria-labelledby="titlu-lista">
      <h2 id="titlu-lista">Companiile mele</h2>
      <div id="lista-companii" aria-busy="true"><p class="nota">Se încarcă…</p></div>
    </section>`,
  mount(root, ctx) {
    const field = (id) => root.querySelector(`#${id}`);
    const form = field("formular-cif");
    const input = field("cif");
    const searchButton = field("cauta");
    const result = field("rezultat-cautare");
    const list = field("lista-companii");
    const status = field("mesaj-companii");

    let shownCompanies = [];

    /** The CIFs offered "Autorizează cu certificatul existent" (none when the offer cannot be had:
     *  the ordinary ANAF step stays). */
    async function existingCertificateOffers() {
      try {
        return new Set((await api("/anaf/existing-certificate")).cifs);
      } catch {
        return new Set();
      }
    }

    /** The account's companies; null when they could not be loaded (the list says why). */
    async function loadList() {
      list.setAttribute("aria-busy", "true");
      try {
        const [{ companies }, offered] = await Promise.all([api("/companies"), existingCertificateOffers()]);
        if (!ctx.current()) return null;
        shownCompanies = companies;
        setHtml(list, table(companies, offered));
        followSyncs();
        return companies;
      } catch (error) {
        if (!ctx.current() || error.code === SESSION_EXPIRED) return null;
        setHtml(list, html`<div role="alert"><p class="mesaj eroare">${error.message}
          <button type="button" class="buton-text" id="reincarca">Reîncarcă lista</button></p></div>`);
        list.querySelector("#reincarca").addEventListener("click", loadList);
        return null;
      } finally {
        list.removeAttribute("aria-busy");
      }
    }

    // -- live sync progress: the rows' "în curs" cells follow the API until no sync runs ------------
    let following = null;

    /** While a company's sync is asked for or running, ask again every few seconds and redraw
     *  only its row's sync and document cells (a form open in another row stays as it is). */
    function followSyncs({ now = false } = {}) {
      clearTimeout(following);
      if (!now && !shownCompanies.some((c) => c.sync_in_progress)) return;
      following = setTimeout(async () => {
        if (!ctx.current()) return;
        let companies;
        try {
          ({ companies } = await api("/companies"));
        } catch {
          companies = null; // a passing failure: the next round tries again
        }
        if (!ctx.current()) return;
        if (companies) {
          shownCompanies = companies;
          for (const company of companies) {
            const line = list.querySelector(`tr[data-cif="${CSS.escape(company.cif)}"]`);
            if (!line || company.membership_state !== "active") continue;
            setHtml(line.querySelector('td[data-eticheta="Ultima sincronizare"]'), lastSync(company));
            setHtml(line.querySelector('td[data-eticheta="Documente"]'), html`${count(company.document_count)}`);
          }
        }
        followSyncs();
      }, now ? 0 : SYNC_POLL_MS);
    }

    // -- invitations: accepted or declined here ------------------------------------------------------
    const invitationsSection = field("invitatii");
    const invitationsList = field("lista-invitatii");
    let shownInvitations = [];

    async function loadInvitations() {
      try {
        const { invitations } = await api("/invitations");
        if (!ctx.current()) return;
        shownInvitations = invitations;
        setHtml(invitationsList, html`${invitations.map(invitationItem)}`);
        invitationsSection.hidden = invitations.length === 0;
      } catch (error) {
        if (ctx.current() && error.code !== SESSION_EXPIRED) showMessage(status, "eroare", error.message);
      }
    }

    async function answerInvitation(invitation, accept, button) {
      await withProgress(button, accept ? "Se acceptă…" : "Se refuză…", async () => {
        try {
          await api(`/invitations/${encodeURIComponent(invitation.cif)}/${accept ? "accept" : "decline"}`,
            { method: "POST" });
          if (!ctx.current()) return;
          showMessage(status, "succes", accept
            ? `Ați acceptat invitația. Compania ${invitation.name} este acum în contul dumneavoastră.`
            : `Ați refuzat invitația pentru compania ${invitation.name}.`);
        } catch (error) {
          if (!ctx.current() || error.code === SESSION_EXPIRED) return;
          showMessage(status, "eroare", error.message);
        }
        await loadInvitations();
        if (accept) await loadList();
      });
    }

    invitationsList.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-accepta], button[data-refuza]");
      const cif = button?.dataset.accepta ?? button?.dataset.refuza;
      const invitation = shownInvitations.find((item) => item.cif === cif);
      if (invitation) answerInvitation(invitation, "accepta" in button.dataset, button);
    });

    // -- ANAF: authorize and sync from a row --------------------------------------------------------
    const byCif = (cif) => shownCompanies.find((c) => c.cif === cif);

    async function authorize(company, button) {
      try {
        await startAuthorization(company, button);
      } catch (error) {
        if (ctx.current() && error.code !== SESSION_EXPIRED) {
          showMessage(status, "eroare", error.code === "not_allowed"
            ? "Doar proprietarii și administratorii companiei o pot autoriza la ANAF."
            : error.message);
        }
      }
    }

    async function sync(company, button) {
      await withProgress(button, "Se pornește…", async () => {
        try {
          await requestSync(company.cif);
          if (ctx.current()) {
            showMessage(status, "succes", `Sincronizarea companiei ${company.name} a pornit. ` +
              "Rândul companiei arată progresul; rezultatul apare și în istoricul sincronizărilor, " +
              "pe pagina companiei.");
            followSyncs({ now: true });
          }
        } catch (error) {
          if (ctx.current() && error.code !== SESSION_EXPIRED) {
            showMessage(status, error.code === "sync_too_soon" ? "info" : "eroare", syncProblem(error, company));
          }
        }
      });
    }

    async function authorizeWithExistingCertificate(company, button) {
      await withProgress(button, "Se verifică la ANAF…", async () => {
        try {
          const { anaf, cif } = await api(`/companies/${encodeURIComponent(company.cif)}/anaf/existing-certificate`,
            { method: "POST" });
          if (!ctx.current()) return;
          const companies = await loadList();
          const { kind, text } = dashboardOutcome({ outcome: anaf, cif }, companies ?? []);
          showMessage(status, kind, text);
          const line = list.querySelector(`tr[data-cif="${CSS.escape(cif)}"]`);
          line?.classList.add("evidentiat");
          line?.querySelector("a, button")?.focus(); // the pressed button is gone
        } catch (error) {
          if (ctx.current() && error.code !== SESSION_EXPIRED) showMessage(status, "eroare", error.message);
        }
      });
    }

    list.addEventListener("click", (event) => {
      const existing = event.target.closest("button[data-certificat-existent]");
      if (existing) {
        const company = byCif(existing.dataset.certificatExistent);
        if (company) authorizeWithExistingCertificate(company, existing);
        return;
      }
      const authorizeButton = event.target.closest("button[data-autorizeaza]");
      const syncButton = event.target.closest("button[data-sincronizeaza]");
      const company = byCif(authorizeButton?.dataset.autorizeaza ?? syncButton?.dataset.sincronizeaza);
      if (!company) return;
      if (authorizeButton) authorize(company, authorizeButton);
      else sync(company, syncButton);
    });

    // "Trimite link titularului" on an unverified company: the holder signs for this account.
    list.addEventListener("submit", async (event) => {
      const form = event.target.closest("form[data-link-cif]");
      if (!form) return;
      event.preventDefault();
      const company = byCif(form.dataset.linkCif);
      const input = form.querySelector("input[type=email]");
      const error = form.querySelector(".eroare-camp");
      try {
        const address = await sendAuthorizationLink(company.cif, form, input, error);
        if (!address || !ctx.current()) return;
        showMessage(status, "succes", `Linkul de autorizare pentru ${company.name} a fost trimis la ` +
          `${address}. După ce titularul alege certificatul la ANAF, compania devine verificată.`);
        form.closest("details").open = false;
      } catch (problem) {
        if (ctx.current() && problem.code !== SESSION_EXPIRED) fieldError(input, error, problem.message);
      }
    });

    /** Back from ANAF (/companii?anaf=…): say what happened, once (a reload does not repeat it). */
    function showAnafOutcome(companies) {
      const result = callbackResult(ctx.query);
      const { kind, text } = dashboardOutcome(result, companies ?? []);
      showMessage(status, kind, text);
      const line = result.cif && list.querySelector(`tr[data-cif="${CSS.escape(result.cif)}"]`);
      line?.classList.add("evidentiat");
    }

    /** From a reminder e-mail (/companii?autorizeaza=<cif>): point at the company, offer the step. */
    function offerAuthorization(cif, companies) {
      const company = (companies ?? []).find((c) => c.cif === cif);
      if (!company) {
        showMessage(status, "info", `Compania cu CIF-ul ${cif} nu este în contul dumneavoastră ` +
          "(sau nu o puteți vedea cu acest cont).");
        return;
      }
      const line = list.querySelector(`tr[data-cif="${CSS.escape(cif)}"]`);
      line?.classList.add("evidentiat");
      line?.scrollIntoView({ block: "center" });
      if (!canAuthorize(company)) {
        showMessage(status, "info", `Autorizarea companiei ${company.name} la ANAF trebuie reînnoită. ` +
          "Doar proprietarii și administratorii ei o pot face; anunțați-i.");
        return;
      }
      setHtml(status, html`<div class="mesaj avertisment oferta-autorizare">
        <p>Autorizarea companiei <strong>${company.name}</strong> (CIF ${cif}) la ANAF trebuie
          făcută sau reînnoită, altfel arhivarea facturilor se oprește.</p>
        <button type="button" class="buton" id="autorizeaza-acum">${authorizeLabel(company)} acum</button>
      </div>`);
      const now = status.querySelector("#autorizeaza-acum");
      now.addEventListener("click", () => authorize(company, now));
      now.focus();
    }

    /** The address without the one-shot query (history.replaceState: no new page, no reload). */
    function forgetQuery() {
      history.replaceState(history.state, "", location.pathname + location.hash);
    }

    /** An error from lookup/add, in Romanian; retry re-runs the same step (the CIF stays). */
    function showProblem(error, cif, retry) {
      if (error.code === SESSION_EXPIRED) return;
      if (error.code === "invalid_cif") {
        setHtml(result, html``);
        fieldError(input, field("eroare-cif"), error.message);
        input.focus();
        return;
      }
      const extra = {
        anaf_lookup_unavailable: html`<button type="button" class="buton secundar contur"
          id="reincearca">Încearcă din nou</button>`,
        company_already_added: html`<a href="/companii/${cif}" data-link>Deschide compania</a>`,
      }[error.code] ?? "";
      setHtml(result, html`<div role="alert" class="problema">
        <p class="mesaj ${error.code === "company_already_added" ? "info" : "eroare"}">${error.message}</p>
        ${extra}</div>`);
      const again = result.querySelector("#reincearca");
      if (again) {
        again.addEventListener("click", () => withProgress(again, "Se încearcă…", retry));
        again.focus();
      }
    }

    async function add(cif, button) {
      await withProgress(button, "Se salvează…", async () => {
        try {
          const { company } = await api("/companies", { method: "POST", body: { cif } });
          if (!ctx.current()) return;
          setHtml(result, html``);
          input.value = "";
          showMessage(status, "succes", `Compania ${company.name} a fost adăugată. Următorul pas: ` +
            "autorizați-o la ANAF cu certificatul digital; autorizarea verifică accesul " +
            "dumneavoastră și pornește arhivarea facturilor.");
          await loadList();
          input.focus();
        } catch (error) {
          if (ctx.current()) showProblem(error, cif, () => add(cif, button));
        }
      });
    }

    function showFound(found) {
      const data = found.company;
      setHtml(result, html`
        <div class="gasit" aria-labelledby="titlu-gasit" role="group">
          <h3 id="titlu-gasit" tabindex="-1">Date găsite la ANAF</h3>
          ${publicDetails(data)}
          ${found.already_added
            ? html`<p class="mesaj info">Compania este deja în contul dumneavoastră.
                <a href="/companii/${data.cif}" data-link>Deschide compania</a></p>
                <div class="butoane"><button type="button" class="buton secundar contur"
                  id="anuleaza">Închide</button></div>`
            : html`<p>Verificați datele și confirmați adăugarea companiei în cont.</p>
                <div class="butoane">
                  <button type="button" class="buton" id="adauga">Adaugă compania</button>
                  <button type="button" class="buton secundar contur" id="anuleaza">Anulează</button>
                </div>`}
        </div>`);
      result.querySelector("#titlu-gasit").focus();
      result.querySelector("#anuleaza").addEventListener("click", () => {
        setHtml(result, html``);
        input.focus();
      });
      const addButton = result.querySelector("#adauga");
      addButton?.addEventListener("click", () => add(data.cif, addButton));
    }

    async function lookup(cif) {
      try {
        const found = await api("/companies/lookup", { method: "POST", body: { cif } });
        if (ctx.current()) showFound(found);
      } catch (error) {
        if (ctx.current()) showProblem(error, cif, () => lookup(cif));
      }
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showMessage(status, null);
      setHtml(result, html``);
      const checked = checkCif(input.value);
      fieldError(input, field("eroare-cif"), checked.error);
      if (checked.error) {
        input.focus();
        return;
      }
      await withProgress(searchButton, "Se caută…", () => lookup(checked.cif));
    });
    input.addEventListener("input", () => fieldError(input, field("eroare-cif"), ""));

    const fromAnaf = ctx.query.has("anaf");
    const toAuthorize = ctx.query.get("autorizeaza");
    loadInvitations();
    loadList().then((companies) => {
      if (!ctx.current()) return;
      if (fromAnaf) showAnafOutcome(companies);
      else if (toAuthorize) offerAuthorization(toAuthorize, companies);
      if (fromAnaf || toAuthorize) forgetQuery();
    });
  },
};
