// Confirmare: the six-digit code e-mailed at sign-up; "Retrimite codul" asks for a new one.
import { request } from "../api.js";
import { fieldError, html, showMessage, withProgress } from "../dom.js";
import { navigate, setFlash, takeFlash } from "../nav.js";

export default {
  title: "Confirmarea contului",
  guest: true,
  ownFlash: true,
  render: ({ query }) => html`
    <section class="card formular" aria-labelledby="titlu-confirmare">
      <h1 id="titlu-confirmare">Confirmarea contului</h1>
      <p>Introduceți codul de 6 cifre primit pe e-mail. Codul este valabil 24 de ore.</p>
      <div id="mesaj-confirmare" class="mesaje" role="alert"></div>
      <form id="formular-confirmare" novalidate>
        <label for="email">Adresa de e-mail</label>
        <input id="email" type="email" autocomplete="email" required value="${query.get("email") ?? ""}">
        <label for="cod">Codul de confirmare</label>
        <input id="cod" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
               pattern="[0-9]{6}" required aria-describedby="eroare-cod" class="cod">
        <p class="eroare-camp" id="eroare-cod" hidden></p>
        <button class="buton" type="submit">Confirmă contul</button>
      </form>
      <p class="legaturi"><span>Nu ați primit codul?</span>
        <button type="button" class="buton-text" id="retrimite">Retrimite codul</button></p>
    </section>`,
  mount(root, { query }) {
    const form = root.querySelector("#formular-confirmare");
    const region = root.querySelector("#mesaj-confirmare");
    const email = form.querySelector("#email");
    const code = form.querySelector("#cod");
    const flash = takeFlash();
    if (flash) showMessage(region, flash.kind, flash.text);
    else if (query.get("neconfirmat")) {
      showMessage(region, "info",
        "Contul nu este confirmat încă. Introduceți codul primit pe e-mail sau cereți unul nou.");
    }
    (email.value ? code : email).focus();

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const address = email.value.trim();
      const digits = code.value.replace(/\s/g, "");
      if (!address) {
        showMessage(region, "eroare", "Introduceți adresa de e-mail.");
        email.focus();
        return;
      }
      if (!/^[0-9]{6}$/.test(digits)) {
        fieldError(code, form.querySelector("#eroare-cod"), "Codul are 6 cifre.");
        code.focus();
        return;
      }
      fieldError(code, form.querySelector("#eroare-cod"), "");
      await withProgress(form.querySelector("button[type=submit]"), "Se confirmă…", async () => {
        try {
          await request("/auth/confirm", { method: "POST", body: { email: address, code: digits } });
          setFlash("succes", "Contul a fost confirmat. Intrați în cont.");
          navigate(`/autentificare?email=${encodeURIComponent(address)}`, { replace: true });
        } catch (error) {
          showMessage(region, "eroare", error.message);
          code.select();
          code.focus();
        }
      });
    });

    const resend = root.querySelector("#retrimite");
    resend.addEventListener("click", async () => {
      const address = email.value.trim();
      if (!address) {
        showMessage(region, "eroare", "Introduceți adresa de e-mail la care să trimitem codul.");
        email.focus();
        return;
      }
      await withProgress(resend, "Se trimite…", async () => {
        try {
          await request("/auth/resend-code", { method: "POST", body: { email: address } });
          showMessage(region, "succes", `Dacă ${address} așteaptă confirmarea, am trimis un cod nou.`);
        } catch (error) {
          showMessage(region, "eroare", error.message);
        }
      });
    });
  },
};
