// "Creează un cont nou": e-mail, password (with the live policy checklist), confirmation and
// the required acceptance of the Terms and Conditions (their version goes to the API).
import { fieldError, html, showMessage, withProgress } from "../dom.js";
import { navigate, setFlash } from "../nav.js";
import { request } from "../api.js";
import { attachChecklist, loadTerms, passwordProblem } from "../password.js";

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export default {
  title: "Creează un cont nou",
  guest: true,
  render: () => html`
    <section class="card formular" aria-labelledby="titlu-inregistrare">
      <h1 id="titlu-inregistrare">Creează un cont nou</h1>
      <div id="mesaj-inregistrare" class="mesaje" role="alert"></div>
      <form id="formular-inregistrare" novalidate>
        <label for="email">Adresa de e-mail</label>
        <input id="email" type="email" autocomplete="email" required aria-describedby="eroare-email">
        <p class="eroare-camp" id="eroare-email" hidden></p>

        <label for="parola">Parola</label>
        <input id="parola" type="password" autocomplete="new-password" required
               aria-describedby="reguli-parola eroare-parola">
        <ul class="reguli" id="reguli-parola" aria-label="Regulile parolei"></ul>
        <p class="eroare-camp" id="eroare-parola" hidden></p>

        <label for="parola-confirmare">Confirmarea parolei</label>
        <input id="parola-confirmare" type="password" autocomplete="new-password" required
               aria-describedby="eroare-confirmare">
        <p class="eroare-camp" id="eroare-confirmare" aria-live="polite" hidden></p>

        <div class="bifa">
          <input id="termeni" type="checkbox" required aria-describedby="eroare-termeni">
          <label for="termeni">Am citit și accept
            <a href="/termeni" target="_blank" rel="noopener">Termenii și condițiile</a></label>
        </div>
        <p class="eroare-camp" id="eroare-termeni" hidden></p>

        <button class="buton" type="submit">Creează contul</button>
      </form>
      <p class="legaturi"><span>Aveți deja cont? <a href="/autentificare" data-link>Intrați în cont</a></span></p>
    </section>`,
  async mount(root, ctx) {
    const form = root.querySelector("#formular-inregistrare");
    const region = root.querySelector("#mesaj-inregistrare");
    const field = (id) => form.querySelector(`#${id}`);
    const email = field("email");
    const password = field("parola");
    const again = field("parola-confirmare");
    const accepted = field("termeni");
    email.focus();

    const checkMatch = () => {
      const mismatch = again.value && again.value !== password.value;
      fieldError(again, field("eroare-confirmare"), mismatch ? "Parolele nu coincid." : "");
      return !mismatch;
    };
    again.addEventListener("input", checkMatch);
    password.addEventListener("input", () => again.value && checkMatch());
    accepted.addEventListener("change", () => accepted.checked && fieldError(accepted, field("eroare-termeni"), ""));

    // Listeners first, before anything is awaited: a click on a busy machine must never find
    // the form without its handler (the browser would submit it itself and reload the page).
    const policyReady = attachChecklist(password, field("reguli-parola"));

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const policy = await policyReady;
      if (!ctx.current()) return; // the person has moved on to another page
      showMessage(region, null);
      const address = email.value.trim();
      const problems = [
        [email, "eroare-email", EMAIL.test(address) ? "" : "Introduceți o adresă de e-mail validă."],
        [password, "eroare-parola", policy ? passwordProblem(password.value, policy) ?? "" :
          (password.value ? "" : "Introduceți parola.")],
        [again, "eroare-confirmare", again.value === password.value ? "" :
          (again.value ? "Parolele nu coincid." : "Confirmați parola.")],
        [accepted, "eroare-termeni", accepted.checked ? "" :
          "Pentru a crea contul trebuie să acceptați Termenii și condițiile."],
      ];
      for (const [input, errorId, message] of problems) fieldError(input, field(errorId), message);
      const first = problems.find(([, , message]) => message);
      if (first) {
        first[0].focus();
        return;
      }
      await withProgress(form.querySelector("button[type=submit]"), "Se creează contul…", async () => {
        try {
          const { version } = await loadTerms();
          await request("/auth/signup", {
            method: "POST",
            body: { email: address, password: password.value, accepted_terms_version: version },
          });
          setFlash("succes", `Contul a fost creat. Am trimis un cod de 6 cifre la ${address}.`);
          navigate(`/confirmare?email=${encodeURIComponent(address)}`);
        } catch (error) {
          if (error.code === "weak_password") {
            fieldError(password, field("eroare-parola"), error.message);
            password.focus();
          } else if (error.code === "account_exists") {
            showMessage(region, "eroare", html`${error.message}
              <a href="/autentificare?email=${encodeURIComponent(address)}" data-link>Intrați în cont</a> ·
              <a href="/resetare-parola?email=${encodeURIComponent(address)}" data-link>Resetați parola</a>`);
            email.focus();
          } else if (error.code === "terms_not_accepted") {
            fieldError(accepted, field("eroare-termeni"), error.message);
            accepted.focus();
          } else {
            showMessage(region, "eroare", error.message);
          }
        }
      });
    });
  },
};
