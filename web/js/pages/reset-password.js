// Resetarea parolei: ask for a code by e-mail, then set a new password with it.
import { request } from "../api.js";
import { fieldError, html, showMessage, withProgress } from "../dom.js";
import { navigate, setFlash } from "../nav.js";
import { attachChecklist, passwordProblem } from "../password.js";

export default {
  title: "Resetarea parolei",
  guest: true,
  render: ({ query }) => html`
    <section class="card formular" aria-labelledby="titlu-resetare">
      <h1 id="titlu-resetare">Resetarea parolei</h1>
      <div id="mesaj-resetare" class="mesaje" role="alert"></div>
      <form id="formular-cerere" novalidate>
        <p>Vă trimitem pe e-mail un cod de 6 cifre, valabil o oră.</p>
        <label for="email">Adresa de e-mail</label>
        <input id="email" type="email" autocomplete="username" required value="${query.get("email") ?? ""}">
        <button class="buton" type="submit">Trimite codul</button>
        <p class="legaturi"><button type="button" class="buton-text" id="am-cod">Am deja un cod</button></p>
      </form>
      <form id="formular-resetare" novalidate hidden>
        <label for="cod">Codul primit pe e-mail</label>
        <input id="cod" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
               class="cod" required aria-describedby="eroare-cod">
        <p class="eroare-camp" id="eroare-cod" hidden></p>
        <label for="parola">Parola nouă</label>
        <input id="parola" type="password" autocomplete="new-password" required
               aria-describedby="reguli-parola eroare-parola">
        <ul class="reguli" id="reguli-parola" aria-label="Regulile parolei"></ul>
        <p class="eroare-camp" id="eroare-parola" hidden></p>
        <label for="parola-confirmare">Confirmarea parolei noi</label>
        <input id="parola-confirmare" type="password" autocomplete="new-password" required
               aria-describedby="eroare-confirmare">
        <p class="eroare-camp" id="eroare-confirmare" hidden></p>
        <button class="buton" type="submit">Schimbă parola</button>
      </form>
      <p class="legaturi"><a href="/autentificare" data-link>Înapoi la autentificare</a></p>
    </section>`,
  async mount(root, ctx) {
    const region = root.querySelector("#mesaj-resetare");
    const ask = root.querySelector("#formular-cerere");
    const reset = root.querySelector("#formular-resetare");
    const field = (id) => root.querySelector(`#${id}`);
    const email = field("email");
    email.focus();

    const showStep2 = () => {
      reset.hidden = false;
      field("am-cod").hidden = true;
      field("cod").focus();
    };
    field("am-cod").addEventListener("click", () => {
      if (!email.value.trim()) {
        showMessage(region, "eroare", "Introduceți adresa de e-mail a contului.");
        email.focus();
        return;
      }
      showStep2();
    });

    ask.addEventListener("submit", async (event) => {
      event.preventDefault();
      const address = email.value.trim();
      if (!address) {
        showMessage(region, "eroare", "Introduceți adresa de e-mail a contului.");
        email.focus();
        return;
      }
      await withProgress(ask.querySelector("button[type=submit]"), "Se trimite…", async () => {
        try {
          await request("/auth/forgot-password", { method: "POST", body: { email: address } });
          showMessage(region, "succes",
            `Dacă există un cont pentru ${address}, am trimis acolo un cod de resetare.`);
          showStep2();
        } catch (error) {
          showMessage(region, "eroare", error.message);
          if (error.code === "rate_limited") showStep2(); // a code went out recently: it can be used
        }
      });
    });

    // Listeners first, before anything is awaited: a click on a busy machine must never find
    // the form without its handler (the browser would submit it itself and reload the page).
    const policyReady = attachChecklist(field("parola"), field("reguli-parola"));

    reset.addEventListener("submit", async (event) => {
      event.preventDefault();
      const policy = await policyReady;
      if (!ctx.current()) return; // the person has moved on to another page
      const code = field("cod");
      const password = field("parola");
      const again = field("parola-confirmare");
      const digits = code.value.replace(/\s/g, "");
      const problems = [
        [code, "eroare-cod", /^[0-9]{6}$/.test(digits) ? "" : "Codul are 6 cifre."],
        [password, "eroare-parola", policy ? passwordProblem(password.value, policy) ?? "" : ""],
        [again, "eroare-confirmare", again.value === password.value ? "" : "Parolele nu coincid."],
      ];
      for (const [input, errorId, message] of problems) fieldError(input, field(errorId), message);
      const first = problems.find(([, , message]) => message);
      if (first) {
        first[0].focus();
        return;
      }
      const address = email.value.trim();
      await withProgress(reset.querySelector("button[type=submit]"), "Se salvează…", async () => {
        try {
          await request("/auth/reset-password", {
            method: "POST", body: { email: address, code: digits, password: password.value },
          });
          setFlash("succes", "Parola a fost schimbată. Intrați în cont cu parola nouă.");
          navigate(`/autentificare?email=${encodeURIComponent(address)}`, { replace: true });
        } catch (error) {
          if (error.code === "weak_password") {
            fieldError(password, field("eroare-parola"), error.message);
            password.focus();
          } else {
            showMessage(region, "eroare", error.message);
          }
        }
      });
    });
  },
};
