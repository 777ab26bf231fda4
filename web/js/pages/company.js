// Pagina companiei: ANAF's public data (refreshable by owners and admins), the archive's state
// and its ANAF connection (authorize, e-mail an authorization link, disconnect, sync now), the sync
// history, "Importă arhive SPV", and the members: invite, change role, remove, leave.
import {
  authorizeLabel, canAuthorize, canSync, checkImportFile, followImport, importArchive, importProblem,
  importResult, isConnected, requestSync, runsTable, sendAuthorizationLink, startAuthorization, syncProblem,
} from "../anaf.js";
import { api, SESSION_EXPIRED } from "../api.js";
import { authorizationBadge, lastSync, publicDetails, SYNC_POLL_MS } from "../companies-view.js";
import { confirmDialog, fieldError, html, setHtml, showMessage, withProgress } from "../dom.js";
import { filePicker, mountFilePicker, showChosenFile } from "../file-picker.js";
import { count, dateTime, roleName } from "../format.js";
import { navigate, setFlash } from "../nav.js";
import { currentAccount } from "../session.js";
import { companySecuritySection, mountCompanySecurity, twoFactorRequiredView } from "../two-factor.js";

const RANK = { owner: 4, admin: 3, contabil: 2, viewer: 1 };
const ROLES = ["owner", "admin", "contabil", "viewer"];

// The same rules as chalicelib/domain/memberships.py; the API enforces them, the page only
// avoids offering what would be refused.
function canManage(actor, target) {
  if (actor === "owner") return true;
  return actor === "admin" && (target === undefined || target !== "owner");
}

function canAdminister(role) {
  return role === "owner" || role === "admin";
}

function grantableRoles(actor) {
  return ROLES.filter((role) => canManage(actor, role));
}

function memberState(member) {
  if (member.state === "active") return "activ";
  if (member.invited) return "invitat, așteaptă acceptarea";
  return "în așteptare (fără acces)";
}

function roleOptions(roles, selected) {
  return roles.map((role) => html`<option value="${role}" ${role === selected ? html`selected` : ""}>${roleName(role)}</option>`);
}

function memberRow(member, myRole, myId) {
  const me = member.member_id === myId;
  const manageable = !me && canManage(myRole, member.role);
  const id = encodeURIComponent(member.member_id);
  return html`
    <tr data-membru="${member.member_id}">
      <td data-eticheta="E-mail"><div>${member.email}${me ? html` <span class="nota">(dumneavoastră)</span>` : ""}</div></td>
      <td data-eticheta="Rol">${manageable
        ? html`<form class="schimba-rol rand-mic" data-id="${id}" data-email="${member.email}">
            <select aria-label="Rolul pentru ${member.email}">${roleOptions(grantableRoles(myRole), member.role)}</select>
            <button type="submit" class="buton mic secundar contur">Schimbă rolul<span class="ascuns"> pentru ${member.email}</span></button>
          </form>`
        : roleName(member.role)}</td>
      <td data-eticheta="Stare"><div>${memberState(member)}</div></td>
      <td data-eticheta="Acțiuni" class="actiuni">${me
        ? html`<button type="button" class="buton mic pericol-contur" data-paraseste="${id}">Părăsește compania</button>`
        : manageable
          ? html`<button type="button" class="buton mic pericol-contur" data-elimina="${id}"
                data-email="${member.email}" data-invitatie="${member.invited ? "1" : ""}">${member.invited
                ? "Anulează invitația" : "Elimină"}<span class="ascuns"> — ${member.email}</span></button>`
          : ""}</td>
    </tr>`;
}

// -- archive and ANAF ------------------------------------------------------------------------------

function archiveState(company) {
  const archive = company.archive ?? {};
  // The badge's label carries the end date ("autorizat până la 02.12.2027"): said once.
  return html`
    <dl class="date">
      <dt>Autorizat cu ANAF</dt><dd id="autorizare-anaf">${authorizationBadge(company)}</dd>
      <dt>Arhivă completă până la</dt><dd id="completa-pana">${archive.complete_until
        ? html`<time datetime="${archive.complete_until}">${dateTime(archive.complete_until)}</time>
            <span class="nota">(ora României)</span>`
        : html`<span class="nota">nicio factură descărcată încă</span>`}</dd>
      <dt>Licență</dt><dd>${company.licence?.name ?? "—"} ·
        <a href="/cont/notificari" data-link id="link-licenta">licența și notificările prin e-mail</a></dd>
      <dt>Ultima sincronizare</dt><dd>${lastSync(company)}</dd>
      <dt>Documente arhivate</dt><dd>${count(company.document_count)} ·
        <a href="/documente?cif=${company.cif}" data-link>vezi documentele</a></dd>
    </dl>
    ${archive.at_risk ? html`<div class="mesaj avertisment risc-arhiva" id="arhiva-in-risc" role="alert">
      <strong>Atenție: facturile mai noi de
      ${archive.complete_until ? dateTime(archive.complete_until) : "autorizare"} nu sunt încă arhivate.</strong>
      Au trecut peste 45 de zile, iar ANAF șterge fișierele din SPV după 60 de zile. Acționați acum:
      ${canSync(company) ? "porniți o sincronizare" : "reautorizați compania la ANAF"} sau importați
      arhivele descărcate din SPV.</div>` : ""}`;
}

function anafActions(company) {
  return html`
    <div class="butoane">
      ${canAuthorize(company) ? html`<button type="button" class="buton" id="autorizeaza">${authorizeLabel(company)}</button>` : ""}
      ${canSync(company) ? html`<button type="button" class="buton secundar contur" id="sincronizeaza">Sincronizează acum</button>` : ""}
      <button type="button" class="buton secundar contur" id="arata-link" aria-expanded="false"
        aria-controls="formular-link">Trimite link de autorizare</button>
      ${isConnected(company) ? html`<button type="button" class="buton pericol-contur" id="deconecteaza">Deconectează de la ANAF</button>` : ""}
    </div>
    <form id="formular-link" class="link-autorizare" novalidate hidden>
      <h3>Trimite link de autorizare</h3>
      <p class="nota">Pentru persoana care are certificatul digital cu drept SPV pentru companie (de
        exemplu contabilul). Nu are nevoie de cont Arhivar: deschide linkul pe calculatorul cu
        token-ul și alege certificatul la ANAF. Linkul poate fi folosit o singură dată și este
        valabil 7 zile.</p>
      <div class="rand">
        <div class="camp">
          <label for="email-titular">E-mailul titularului certificatului</label>
          <input id="email-titular" type="email" autocomplete="off" required
            aria-describedby="eroare-email-titular">
        </div>
        <button type="submit" class="buton">Trimite linkul</button>
      </div>
      <p class="eroare-camp" id="eroare-email-titular" role="alert" hidden></p>
    </form>`;
}

function importSection() {
  return html`
    <section class="card import-spv" aria-labelledby="titlu-import">
      <h2 id="titlu-import">Importă arhive SPV</h2>
      <p>Aveți facturi mai vechi de 60 de zile, descărcate de mână din SPV? Încărcați ZIP-ul primit
        de la ANAF sau un ZIP care conține mai multe astfel de ZIP-uri (cel mult 200 MB). Fiecare
        fișier este verificat (inclusiv semnătura Ministerului Finanțelor) și arhivat o singură dată;
        ce există deja în arhivă este raportat ca duplicat.</p>
      <form id="formular-import" novalidate>
        <label for="fisier-import">Arhiva ZIP din SPV</label>
        <div class="rand">
          ${filePicker({ id: "fisier-import", accept: ".zip,application/zip", describedBy: "eroare-import" })}
          <button type="submit" class="buton" id="importa">Importă</button>
        </div>
        <p class="eroare-camp" id="eroare-import" role="alert" hidden></p>
      </form>
      <div id="rezultat-import" role="status"></div>
    </section>`;
}

function notFoundView() {
  return html`
    <h1>Compania nu există în contul dumneavoastră.</h1>
    <p>Verificați adresa sau adăugați compania după CIF din panoul de control.</p>
    <p><a class="buton" href="/companii" data-link>Înapoi la companii</a></p>`;
}

// The company's own pages, for an active member (the security journal for its owner only).
function companyPages(company) {
  if (company.membership_state !== "active") return "";
  const base = `/companii/${encodeURIComponent(company.cif)}`;
  const pages = [
    ["/integritate", "link-integritate", "Integritatea arhivei"],
    ["/contabilitate", "link-contabilitate", "Export pentru contabilitate"],
    ["/mesaje-furnizori", "link-mesaje-furnizori", "Mesaje către furnizori"],
    ["/integrari", "link-integrari", "Integrări"],
    ...(company.role === "owner" ? [["/jurnal", "link-jurnal", "Jurnal de securitate"]] : []),
  ];
  return html`
    <nav class="pagini-companie" aria-label="Paginile companiei">
      <ul>${pages.map(([path, id, label]) => html`<li><a href="${base}${path}" data-link id="${id}">${label}</a></li>`)}</ul>
    </nav>`;
}

function companyView(company) {
  const admin = canAdminister(company.role);
  return html`
    <p class="firimituri"><a href="/companii" data-link>← Companii</a></p>
    <h1>${company.name}</h1>
    <p class="subtitlu">CIF ${company.cif} · rolul dumneavoastră: <strong>${roleName(company.role)}</strong></p>
    ${companyPages(company)}
    <div id="mesaj-companie" role="status"></div>
    <div class="grila-doua">
      <section class="card" aria-labelledby="titlu-date">
        <h2 id="titlu-date">Date publice de la ANAF</h2>
        <div id="date-publice">${publicDetails(company.public)}</div>
        <p class="nota" id="actualizat-la">Actualizate la ${dateTime(company.data_refreshed_at)}.</p>
        ${admin ? html`<button type="button" class="buton secundar contur" id="actualizeaza">Actualizează datele de la ANAF</button>` : ""}
      </section>
      <section class="card" aria-labelledby="titlu-arhivare">
        <h2 id="titlu-arhivare">Arhivare</h2>
        <div id="stare-arhivare">${archiveState(company)}</div>
        <div id="mesaj-anaf" class="mesaje" role="status"></div>
        <div class="actiuni-anaf" id="actiuni-companie">${admin ? anafActions(company) : ""}</div>
      </section>
    </div>
    <section class="card" aria-labelledby="titlu-istoric">
      <div class="antet-card">
        <h2 id="titlu-istoric">Istoric sincronizări</h2>
        <button type="button" class="buton mic secundar contur" id="reimprospateaza-istoric">Reîmprospătează<span
          class="ascuns"> istoricul sincronizărilor</span></button>
      </div>
      <p class="nota">Fiecare sincronizare cu ANAF: intervalul verificat, câte mesaje au fost listate,
        câte erau noi și câte erau deja în arhivă. Cele mai noi sunt primele.</p>
      <div id="istoric-sincronizari" aria-busy="true"><p class="nota">Se încarcă…</p></div>
    </section>
    ${admin ? importSection() : ""}
    ${company.role === "owner" ? companySecuritySection() : ""}
    <section class="card" aria-labelledby="titlu-membri">
      <h2 id="titlu-membri">Membri</h2>
      <div id="mesaj-membri" class="mesaje" role="alert"></div>
      <div id="lista-membri" aria-busy="true"><p class="nota">Se încarcă…</p></div>
      ${canManage(company.role) ? html`
        <form id="formular-invitatie" class="invitatie" novalidate>
          <h3>Invită o persoană</h3>
          <p class="nota">Persoana primește un e-mail. Dacă are deja cont, accesul este activ imediat;
             altfel, după ce își creează contul cu această adresă.</p>
          <div class="rand">
            <div class="camp">
              <label for="email-invitat">Adresa de e-mail</label>
              <input id="email-invitat" type="email" autocomplete="off" required>
            </div>
            <div class="camp">
              <label for="rol-invitat">Rol</label>
              <select id="rol-invitat">${roleOptions(grantableRoles(company.role), "viewer")}</select>
            </div>
            <button type="submit" class="buton">Trimite invitația</button>
          </div>
        </form>` : ""}
    </section>`;
}

export default {
  title: "Compania",
  auth: true,
  render: () => html`<div id="companie" aria-busy="true"><p class="nota">Se încarcă…</p></div>`,
  async mount(root, ctx) {
    const cif = ctx.params[0];
    const path = `/companies/${encodeURIComponent(cif)}`;
    const box = root.querySelector("#companie");
    let company;
    try {
      ({ company } = await api(path));
    } catch (error) {
      if (!ctx.current() || error.code === SESSION_EXPIRED) return;
      box.removeAttribute("aria-busy");
      if (error.status === 404) {
        setHtml(box, notFoundView());
        document.title = "Compania nu există · Arhivar";
      } else if (error.code === "two_factor_required") {
        setHtml(box, twoFactorRequiredView(error.message));
        document.title = "Autentificare în doi pași necesară · Arhivar";
      } else {
        setHtml(box, html`<h1>Compania nu poate fi afișată</h1>
          <div role="alert"><p class="mesaj eroare">${error.message}</p></div>`);
      }
      return;
    }
    if (!ctx.current()) return;
    box.removeAttribute("aria-busy");
    setHtml(box, companyView(company));
    document.title = `${company.name} · Arhivar`;
    const field = (id) => box.querySelector(`#${id}`);
    const status = field("mesaj-companie");
    const membersRegion = field("mesaj-membri");
    const myId = currentAccount()?.user_id;
    mountArchive(box, ctx, path, () => company, (fresh) => {
      company = fresh;
    });
    mountCompanySecurity(box, ctx, path);

    // -- public data -----------------------------------------------------------------------------
    const refresh = field("actualizeaza");
    refresh?.addEventListener("click", () => withProgress(refresh, "Se actualizează…", async () => {
      try {
        ({ company } = await api(`${path}/refresh`, { method: "POST" }));
        if (!ctx.current()) return;
        setHtml(field("date-publice"), publicDetails(company.public));
        field("actualizat-la").textContent = `Actualizate la ${dateTime(company.data_refreshed_at)}.`;
        showMessage(status, "succes", "Datele au fost actualizate de la ANAF.");
      } catch (error) {
        if (error.code !== SESSION_EXPIRED) showMessage(status, "eroare", error.message);
      }
    }));

    // -- members ---------------------------------------------------------------------------------
    const list = field("lista-membri");
    const problem = (error, what) => {
      if (error.code === SESSION_EXPIRED) return;
      const messages = {
        not_allowed: `Rolul dumneavoastră nu vă permite să ${what}.`,
        last_owner: "Compania trebuie să aibă cel puțin un proprietar. Numiți întâi alt " +
          "proprietar, apoi reîncercați.",
      };
      showMessage(membersRegion, "eroare", messages[error.code] ?? error.message);
    };

    async function loadMembers() {
      list.setAttribute("aria-busy", "true");
      try {
        const { members } = await api(`${path}/members`);
        if (!ctx.current()) return;
        setHtml(list, html`
          <div class="tabel-derulant">
            <table class="tabel membri">
              <caption class="ascuns">Membrii companiei</caption>
              <thead><tr><th scope="col">E-mail</th><th scope="col">Rol</th>
                <th scope="col">Stare</th><th scope="col">Acțiuni</th></tr></thead>
              <tbody>${members.map((m) => memberRow(m, company.role, myId))}</tbody>
            </table>
          </div>`);
      } catch (error) {
        if (ctx.current()) problem(error, "vedeți membrii");
      } finally {
        list.removeAttribute("aria-busy");
      }
    }

    list.addEventListener("submit", async (event) => {
      const form = event.target.closest("form.schimba-rol");
      if (!form) return;
      event.preventDefault();
      const role = form.querySelector("select").value;
      await withProgress(form.querySelector("button"), "Se salvează…", async () => {
        try {
          await api(`${path}/members/${form.dataset.id}`, { method: "PUT", body: { role } });
          showMessage(membersRegion, "succes", `Rolul pentru ${form.dataset.email} este acum ${roleName(role)}.`);
          await loadMembers();
        } catch (error) {
          problem(error, "schimbați acest rol");
        }
      });
    });

    list.addEventListener("click", async (event) => {
      const remove = event.target.closest("button[data-elimina]");
      const leave = event.target.closest("button[data-paraseste]");
      if (remove) {
        const invitation = Boolean(remove.dataset.invitatie);
        const yes = await confirmDialog({
          title: invitation ? "Anulați invitația?" : "Eliminați persoana?",
          body: invitation
            ? html`Invitația pentru <strong>${remove.dataset.email}</strong> nu va mai fi valabilă.`
            : html`<strong>${remove.dataset.email}</strong> nu va mai avea acces la documentele
                companiei ${company.name}. Documentele arhivate rămân neschimbate.`,
          confirmLabel: invitation ? "Anulează invitația" : "Elimină",
          danger: true,
        });
        if (!yes) return;
        try {
          await api(`${path}/members/${remove.dataset.elimina}`, { method: "DELETE" });
          showMessage(membersRegion, "succes", invitation
            ? `Invitația pentru ${remove.dataset.email} a fost anulată.`
            : `${remove.dataset.email} nu mai are acces la companie.`);
          await loadMembers();
        } catch (error) {
          problem(error, "eliminați această persoană");
        }
      } else if (leave) {
        const yes = await confirmDialog({
          title: "Părăsiți compania?",
          body: html`Nu veți mai vedea compania <strong>${company.name}</strong> și documentele ei.
            Ceilalți membri își păstrează accesul, iar documentele arhivate rămân păstrate.`,
          confirmLabel: "Părăsește compania",
          danger: true,
        });
        if (!yes) return;
        try {
          await api(`${path}/members/${leave.dataset.paraseste}`, { method: "DELETE" });
          setFlash("succes", `Ați părăsit compania ${company.name}.`);
          navigate("/companii", { replace: true });
        } catch (error) {
          problem(error, "părăsiți compania");
        }
      }
    });

    const invite = field("formular-invitatie");
    invite?.addEventListener("submit", async (event) => {
      event.preventDefault();
      const email = field("email-invitat");
      const address = email.value.trim();
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
        showMessage(membersRegion, "eroare", "Introduceți o adresă de e-mail validă.");
        email.focus();
        return;
      }
      const role = field("rol-invitat").value;
      await withProgress(invite.querySelector("button[type=submit]"), "Se trimite…", async () => {
        try {
          const { member } = await api(`${path}/members`, { method: "POST", body: { email: address, role } });
          email.value = "";
          showMessage(membersRegion, "succes",
            `Am trimis invitația la ${member.email}. Accesul se activează după ce persoana o acceptă.`);
          await loadMembers();
        } catch (error) {
          if (error.code === "conflict") {
            showMessage(membersRegion, "eroare", `${address} are deja acces la această companie.`);
          } else {
            problem(error, "dați acest rol");
          }
        }
      });
    });

    loadMembers();
  },
};

/** The ANAF part of the page: the archive's state and actions, the history, the import. */
function mountArchive(box, ctx, path, getCompany, setCompany) {
  const field = (id) => box.querySelector(`#${id}`);
  const anafMessages = field("mesaj-anaf");
  const actions = field("actiuni-companie");
  const historyBox = field("istoric-sincronizari");
  let following = null; // the timer that asks again while the sync is "în curs"

  const problem = (region, error, text) => {
    if (error.code !== SESSION_EXPIRED && ctx.current()) showMessage(region, "eroare", text ?? error.message);
  };

  async function loadHistory() {
    historyBox.setAttribute("aria-busy", "true");
    try {
      const { runs } = await api(`${path}/sync-runs`);
      if (ctx.current()) setHtml(historyBox, runsTable(runs));
      return runs;
    } catch (error) {
      if (ctx.current() && error.code !== SESSION_EXPIRED) {
        setHtml(historyBox, html`<p class="mesaj eroare">${error.message}</p>`);
      }
      return null;
    } finally {
      historyBox.removeAttribute("aria-busy");
    }
  }

  /** The company again (state, dates, counts), and its actions redrawn to match. */
  async function reloadCompany() {
    try {
      const { company } = await api(path);
      if (!ctx.current()) return;
      setCompany(company);
      setHtml(field("stare-arhivare"), archiveState(company));
      if (canAdminister(company.role)) {
        const wasOpen = field("formular-link")?.hidden === false;
        setHtml(actions, anafActions(company));
        if (wasOpen) toggleLinkForm(true, { focus: false });
      }
    } catch (error) {
      problem(anafMessages, error);
    }
  }

  /** While the sync is asked for or running ("în curs"), ask again every few seconds and redraw
   *  the archive's state only (the buttons keep focus); when it ends, the history and the
   *  actions follow. `now` asks at once (right after "Sincronizează acum"). */
  function followSync({ now = false } = {}) {
    clearTimeout(following);
    if (!now && !getCompany().sync_in_progress) return;
    following = setTimeout(async () => {
      if (!ctx.current()) return;
      try {
        const { company } = await api(path);
        if (!ctx.current()) return;
        setCompany(company);
        setHtml(field("stare-arhivare"), archiveState(company));
        if (!company.sync_in_progress) {
          await loadHistory();
          await reloadCompany();
          return;
        }
      } catch {
        // a passing failure: the next round tries again
      }
      followSync();
    }, now ? 0 : SYNC_POLL_MS);
  }

  function toggleLinkForm(open, { focus = true } = {}) {
    const form = field("formular-link");
    const opener = field("arata-link");
    if (!form || !opener) return;
    form.hidden = !open;
    opener.setAttribute("aria-expanded", String(open));
    if (open && focus) field("email-titular").focus();
  }

  actions.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button || !actions.contains(button)) return;
    const company = getCompany();
    if (button.id === "autorizeaza") {
      try {
        await startAuthorization(company, button);
      } catch (error) {
        problem(anafMessages, error);
      }
    } else if (button.id === "sincronizeaza") {
      await withProgress(button, "Se pornește sincronizarea…", async () => {
        try {
          await requestSync(company.cif);
          if (!ctx.current()) return;
          showMessage(anafMessages, "succes", "Sincronizarea a pornit. „Ultima sincronizare” arată " +
            "progresul, iar istoricul de mai jos se actualizează singur când se termină.");
          followSync({ now: true });
        } catch (error) {
          if (error.code === "sync_too_soon") showMessage(anafMessages, "info", syncProblem(error, company));
          else problem(anafMessages, error, syncProblem(error, company));
        }
      });
    } else if (button.id === "arata-link") {
      toggleLinkForm(field("formular-link").hidden);
    } else if (button.id === "deconecteaza") {
      const yes = await confirmDialog({
        title: "Deconectați compania de la ANAF?",
        body: html`
          <p>Arhivar șterge accesul la ANAF primit cu certificatul folosit pentru
            <strong>${company.name}</strong>. <strong>Toate companiile autorizate cu același
            certificat</strong> nu se mai sincronizează și devin „revocat”.</p>
          <p>Facturile deja arhivate rămân păstrate. Pentru a relua arhivarea, autorizați din nou
            compania.</p>`,
        confirmLabel: "Deconectează",
        danger: true,
      });
      if (!yes) return;
      try {
        await api(`${path}/anaf`, { method: "DELETE" });
        if (!ctx.current()) return;
        showMessage(anafMessages, "succes", `Compania ${company.name} a fost deconectată de la ANAF. ` +
          "Arhiva rămâne păstrată; sincronizarea s-a oprit.");
        await reloadCompany();
        field("autorizeaza")?.focus(); // the button that was pressed is gone
      } catch (error) {
        problem(anafMessages, error);
      }
    }
  });

  actions.addEventListener("submit", async (event) => {
    if (event.target.id !== "formular-link") return;
    event.preventDefault();
    try {
      const address = await sendAuthorizationLink(getCompany().cif, event.target, field("email-titular"),
        field("eroare-email-titular"));
      if (!address || !ctx.current()) return;
      toggleLinkForm(false);
      showMessage(anafMessages, "succes", `Am trimis linkul de autorizare la ${address}. ` +
        "Linkul poate fi folosit o singură dată și este valabil 7 zile; după autorizare, " +
        "starea companiei se schimbă aici.");
    } catch (failure) {
      problem(anafMessages, failure);
    }
  });

  field("reimprospateaza-istoric").addEventListener("click", (event) => withProgress(
    event.currentTarget, "Se reîmprospătează…", async () => {
      await loadHistory();
      await reloadCompany();
    }));

  // -- "Importă arhive SPV" --------------------------------------------------------------------
  const importForm = field("formular-import");
  importForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = field("fisier-import");
    const errorText = field("eroare-import");
    const result = field("rezultat-import");
    const file = input.files?.[0];
    const complaint = checkImportFile(file);
    fieldError(input, errorText, complaint);
    if (complaint) {
      input.focus();
      return;
    }
    setHtml(result, html``);
    await withProgress(field("importa"), "Se importă…", async () => {
      try {
        const cif = getCompany().cif;
        const started = await importArchive(cif, file);
        if (!ctx.current()) return;
        input.value = "";
        showChosenFile(input);
        const draw = (job) => setHtml(result, importResult(job));
        draw(started);
        const finished = await followImport(cif, started.import_id, draw, () => ctx.current());
        if (finished?.counts?.archived) await reloadCompany();
      } catch (error) {
        if (error.code !== SESSION_EXPIRED && ctx.current()) {
          setHtml(result, html`<p class="mesaj eroare">${importProblem(error)}</p>`);
        }
      }
    });
  });
  mountFilePicker(field("fisier-import"));
  field("fisier-import")?.addEventListener("change", (event) => {
    const file = event.target.files?.[0];
    fieldError(event.target, field("eroare-import"), file ? checkImportFile(file) : "");
  });

  loadHistory();
  followSync(); // a sync already running (the first one after authorization, or another tab's)
}
