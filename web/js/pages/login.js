// Autentificare: e-mail and password; an unconfirmed account goes on to the confirmation page.
import { html, showMessage, withProgress } from "../dom.js";
import { navigate, safeReturnPath, takeFlash } from "../nav.js";
import { signIn } from "../session.js";

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
      <p class="legaturi">
        <a href="/resetare-parola" data-link id="parola-uitata">Ați uitat parola?</a>
        <span>Nu aveți cont? <a href="/inregistrare" data-link>Creează un cont nou</a></span>
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
          await signIn(address, password.value);
          navigate(safeReturnPath(query.get("inapoi")) ?? "/companii", { replace: true });
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
