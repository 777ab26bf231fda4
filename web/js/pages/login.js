// Autentificare: e-mail and password; an unconfirmed account goes on to the confirmation page.
// With two-factor login, a second step asks for the authenticator's code (or a recovery code).
import { html, showMessage, withProgress } from "../dom.js";
import { navigate, safeReturnPath, takeFlash } from "../nav.js";
import { completeSignIn, signIn } from "../session.js";

export default {
  title: "Autentificare",
  guest: true,
  ownFlash: true,
  render: ({ query }) => html`
    <section class="card formular" aria-labelledby="titlu-autentificare">
      <h1 id="titlu-autentificare">Autentificare</h1>
      <div id="mesaj-autentificare" class="mesaje" role="alert"></div>
      <form id="formular-autentificare" novalidate>
        <label for="email">Adresa de e-mail</label>
        <input id="email" name="email" type="email" autocomplete="username" required
               value="${query.get("email") ?? ""}">
        <label for="parola">Parola</label>
        <input id="parola" name="parola" type="password" autocomplete="current-password" required>
        <button class="buton" type="submit">Intră în cont</button>
      </form>
      <form id="formular-cod" novalidate hidden>
        <p>Contul are autentificarea în doi pași activă. Deschideți aplicația de autentificare
           (de exemplu Google Authenticator, Microsoft Authenticator sau Aegis) și introduceți
           codul de 6 cifre afișat pentru Arhivar.</p>
        <label for="cod-autentificare">Codul din aplicație</label>
        <input id="cod-autentificare" name="cod" type="text" inputmode="numeric"
               autocomplete="one-time-code" maxlength="32" required aria-describedby="nota-recuperare">
        <p class="nota" id="nota-recuperare">Nu aveți telefonul la îndemână? Introduceți unul dintre
           codurile de recuperare primite la activare (fiecare funcționează o singură dată).</p>
        <button class="buton" type="submit">Verifică codul</button>
        <button class="buton secundar contur" type="button" id="inapoi-parola">Înapoi</button>
      </form>
      <p class="legaturi">
        <a href="/resetare-parola" data-link id="parola-uitata">Ați uitat parola?</a>
        <span>Nu aveți cont? <a href="/inregistrare" data-link>Creează un cont nou</a></span>
        <a href="/vizualizare" data-link>Vizualizează o factură fără cont</a>
      </p>
    </section>`,
  mount(root, { query }) {
    const form = root.querySelector("#formular-autentificare");
    const region = root.querySelector("#mesaj-autentificare");
    const email = form.querySelector("#email");
    const password = form.querySelector("#parola");
    const flash = takeFlash();
    if (flash) showMessage(region, flash.kind, flash.text);
    else if (query.get("inapoi")) showMessage(region, "info", "Intrați în cont pentru a continua.");
    (email.value ? password : email).focus();

    root.querySelector("#parola-uitata").addEventListener("click", (event) => {
      const address = email.value.trim();
      event.currentTarget.setAttribute(
        "href", address ? `/resetare-parola?email=${encodeURIComponent(address)}` : "/resetare-parola");
    });

    const codeForm = root.querySelector("#formular-cod");
    const code = codeForm.querySelector("#cod-autentificare");
    let challenge = null;
    const done = () => navigate(safeReturnPath(query.get("inapoi")) ?? "/companii", { replace: true });
    const showStep = (second) => {
      form.hidden = second;
      codeForm.hidden = !second;
      code.value = "";
      (second ? code : password).focus();
    };
    codeForm.querySelector("#inapoi-parola").addEventListener("click", () => {
      challenge = null;
      showMessage(region, null);
      showStep(false);
    });
    codeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!code.value.trim()) {
        showMessage(region, "eroare", "Introduceți codul de 6 cifre din aplicație sau un cod de recuperare.");
        code.focus();
        return;
      }
      await withProgress(codeForm.querySelector("button[type=submit]"), "Se verifică…", async () => {
        try {
          await completeSignIn(challenge, code.value.trim());
          done();
        } catch (error) {
          if (error.code === "login_challenge_expired") {
            challenge = null;
            password.value = "";
            showStep(false);
            showMessage(region, "eroare", error.message);
            return;
          }
          showMessage(region, "eroare", error.message);
          code.select();
          code.focus();
        }
      });
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const address = email.value.trim();
      if (!address || !password.value) {
        showMessage(region, "eroare", "Introduceți adresa de e-mail și parola.");
        (address ? password : email).focus();
        return;
      }
      const button = form.querySelector("button[type=submit]");
      await withProgress(button, "Se verifică…", async () => {
        try {
          const outcome = await signIn(address, password.value);
          if (outcome?.challenge === "totp") {
            challenge = outcome.session;
            showMessage(region, null);
            showStep(true);
            return;
          }
          done();
        } catch (error) {
          if (error.code === "account_not_confirmed") {
            navigate(`/confirmare?email=${encodeURIComponent(address)}&neconfirmat=1`);
            return;
          }
          showMessage(region, "eroare", error.message);
          password.select();
          password.focus();
        }
      });
    });
  },
};
