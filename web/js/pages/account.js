// Contul meu: the account's details, change password, the way to notification and licence
// settings, two-factor login, delete the account.
import { api, setAccessToken } from "../api.js";
import { fieldError, html, setHtml, showMessage, withProgress } from "../dom.js";
import { dateTime } from "../format.js";
import { navigate, setFlash } from "../nav.js";
import { attachChecklist, passwordProblem } from "../password.js";
import { currentAccount, forget } from "../session.js";
import { mountAccountTwoFactor } from "../two-factor.js";

function details(account) {
  return html`
    <dl class="date">
      <dt>Adresa de e-mail</dt><dd id="cont-email">${account.email}</dd>
      <dt>Termeni și condiții acceptați</dt>
      <dd id="cont-termeni">versiunea ${account.terms_version}${account.terms_accepted_at
        ? html`, la ${dateTime(account.terms_accepted_at)}` : ""}
        · <a href="/termeni" data-link>citește termenii</a></dd>
      <dt>Cont creat la</dt><dd>${dateTime(account.created_at)}</dd>
    </dl>`;
}

export default {
  title: "Contul meu",
  auth: true,
  render: () => html`
    <h1>Contul meu</h1>
    <div class="grila-doua">
      <section class="card" aria-labelledby="titlu-detalii">
        <h2 id="titlu-detalii">Detaliile contului</h2>
        <div id="detalii-cont">${details(currentAccount())}</div>
      </section>

      <section class="card" aria-labelledby="titlu-parola">
        <h2 id="titlu-parola">Schimbă parola</h2>
        <div id="mesaj-parola" class="mesaje" role="alert"></div>
        <form id="formular-parola" class="formular-lat" novalidate>
          <input type="email" class="ascuns" autocomplete="username" value="${currentAccount().email}"
                 tabindex="-1" aria-hidden="true" readonly>
          <label for="parola-actuala">Parola actuală</label>
          <input id="parola-actuala" type="password" autocomplete="current-password" required
                 aria-describedby="eroare-actuala">
          <p class="eroare-camp" id="eroare-actuala" hidden></p>
          <label for="parola-noua">Parola nouă</label>
          <input id="parola-noua" type="password" autocomplete="new-password" required
                 aria-describedby="reguli-parola eroare-noua">
          <ul class="reguli" id="reguli-parola" aria-label="Regulile parolei"></ul>
          <p class="eroare-camp" id="eroare-noua" hidden></p>
          <label for="parola-noua-confirmare">Confirmarea parolei noi</label>
          <input id="parola-noua-confirmare" type="password" autocomplete="new-password" required
                 aria-describedby="eroare-confirmare">
          <p class="eroare-camp" id="eroare-confirmare" hidden></p>
          <button class="buton" type="submit">Schimbă parola</button>
        </form>
      </section>
    </div>

    <section class="card" aria-labelledby="titlu-notificari">
      <h2 id="titlu-notificari">Notificări prin e-mail și licențe</h2>
      <p>Alegeți, pentru fiecare companie, ce e-mailuri primiți (documente noi, exporturi gata,
        avertismente despre arhivă și autorizarea ANAF). Proprietarii și administratorii schimbă tot
        acolo licența companiei.</p>
      <p><a class="buton secundar contur" href="/cont/notificari" data-link id="link-notificari">Notificări și
        licențe</a></p>
    </section>

    <section class="card" aria-labelledby="titlu-2fa" id="autentificare-doi-pasi">
      <h2 id="titlu-2fa">Autentificare în doi pași</h2>
      <div id="mesaj-2fa" class="mesaje" role="status" aria-live="polite"></div>
      <div id="stare-2fa" aria-busy="true"><p class="nota">Se încarcă…</p></div>
    </section>

    <section class="card zona-pericol" aria-labelledby="titlu-stergere">
      <h2 id="titlu-stergere">Ștergerea contului</h2>
      <p>Înainte de a șterge contul, rețineți ce se întâmplă:</p>
      <ul id="explicatie-stergere">
        <li>Contul și toate calitățile dumneavoastră de membru în companii se șterg; nu veți mai
            avea acces la niciuna dintre companii.</li>
        <li>Facturile arhivate ale companiilor <strong>nu se șterg</strong>: legea cere păstrarea
            lor timp de 10 ani, iar ele rămân în arhiva companiei.</li>
        <li>Ceilalți membri ai companiilor își păstrează accesul, neschimbat.</li>
        <li>O companie în care nu mai rămâne niciun membru nu se mai sincronizează cu ANAF.</li>
        <li>Dacă sunteți singurul proprietar al unei companii care mai are alți membri, numiți
            întâi un alt proprietar din pagina companiei; altfel ștergerea nu este posibilă.</li>
        <li>Ștergerea este definitivă și nu poate fi anulată.</li>
      </ul>
      <button type="button" class="buton pericol" id="incepe-stergerea" aria-expanded="false"
              aria-controls="formular-stergere">Vreau să șterg contul</button>
      <form id="formular-stergere" class="formular-lat" novalidate hidden>
        <input type="email" class="ascuns" autocomplete="username" value="${currentAccount().email}"
               tabindex="-1" aria-hidden="true" readonly>
        <div id="mesaj-stergere" class="mesaje" role="alert"></div>
        <label for="parola-stergere">Pentru confirmare, introduceți parola</label>
        <input id="parola-stergere" type="password" autocomplete="current-password" required>
        <div class="butoane">
          <button type="button" class="buton secundar contur" id="renunta-stergere">Anulează</button>
          <button type="submit" class="buton pericol">Șterge contul definitiv</button>
        </div>
      </form>
    </section>`,
  async mount(root, ctx) {
    const field = (id) => root.querySelector(`#${id}`);
    api("/account").then((account) => {
      if (ctx.current()) setHtml(field("detalii-cont"), details(account));
    }).catch(() => {});
    mountAccountTwoFactor(field("stare-2fa"), field("mesaj-2fa"), ctx);

    // -- change password ---------------------------------------------------------------------
    const form = field("formular-parola");
    const region = field("mesaj-parola");
    const current = field("parola-actuala");
    const fresh = field("parola-noua");
    const again = field("parola-noua-confirmare");
    // Listeners first, before anything is awaited: a click on a busy machine must never find the
    // form without its handler (the browser would submit it itself and reload the page).
    const policyReady = attachChecklist(fresh, field("reguli-parola"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const policy = await policyReady;
      if (!ctx.current()) return; // the person has moved on to another page
      showMessage(region, null);
      const problems = [
        [current, "eroare-actuala", current.value ? "" : "Introduceți parola actuală."],
        [fresh, "eroare-noua", policy ? passwordProblem(fresh.value, policy) ?? "" :
          (fresh.value ? "" : "Introduceți parola nouă.")],
        [again, "eroare-confirmare", again.value === fresh.value ? "" : "Parolele nu coincid."],
      ];
      for (const [input, errorId, message] of problems) fieldError(input, field(errorId), message);
      const first = problems.find(([, , message]) => message);
      if (first) {
        first[0].focus();
        return;
      }
      await withProgress(form.querySelector("button[type=submit]"), "Se salvează…", async () => {
        try {
          // Every session ends (other devices too); this page gets the new one.
          const session = await api("/account/password", {
            method: "POST", body: { current_password: current.value, new_password: fresh.value },
          });
          setAccessToken(session.access_token);
          form.reset();
          fresh.dispatchEvent(new Event("input"));
          showMessage(region, "succes", "Parola a fost schimbată.");
        } catch (error) {
          if (error.code === "wrong_password") {
            fieldError(current, field("eroare-actuala"), error.message);
            current.select();
            current.focus();
          } else if (error.code === "weak_password") {
            fieldError(fresh, field("eroare-noua"), error.message);
            fresh.focus();
          } else {
            showMessage(region, "eroare", error.message);
          }
        }
      });
    });

    // -- delete account ------------------------------------------------------------------------
    const start = field("incepe-stergerea");
    const del = field("formular-stergere");
    const delRegion = field("mesaj-stergere");
    const delPassword = field("parola-stergere");
    const toggle = (open) => {
      del.hidden = !open;
      start.hidden = open;
      start.setAttribute("aria-expanded", String(open));
      if (open) delPassword.focus();
      else {
        del.reset();
        showMessage(delRegion, null);
        start.focus();
      }
    };
    start.addEventListener("click", () => toggle(true));
    field("renunta-stergere").addEventListener("click", () => toggle(false));
    del.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!delPassword.value) {
        showMessage(delRegion, "eroare", "Introduceți parola pentru a confirma ștergerea.");
        delPassword.focus();
        return;
      }
      await withProgress(del.querySelector("button[type=submit]"), "Se șterge…", async () => {
        try {
          await api("/account", { method: "DELETE", body: { password: delPassword.value } });
          forget();
          setFlash("succes", "Contul a fost șters. Vă mulțumim că ați folosit Arhivar.");
          navigate("/", { replace: true });
        } catch (error) {
          if (error.code === "wrong_password") {
            showMessage(delRegion, "eroare", "Parola nu este corectă. Contul nu a fost șters.");
          } else if (error.code === "last_owner") {
            showMessage(delRegion, "eroare", html`Contul nu a fost șters: sunteți singurul proprietar
              al companiei cu CIF-ul ${error.details?.cif ?? ""}, care mai are alți membri. Numiți alt
              proprietar din <a href="/companii/${error.details?.cif ?? ""}" data-link>pagina
              companiei</a> sau părăsiți-o, apoi reveniți.`);
          } else {
            showMessage(delRegion, "eroare", error.message);
          }
          delPassword.select();
          delPassword.focus();
        }
      });
    });
  },
};
