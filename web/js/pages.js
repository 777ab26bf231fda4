// The pages of the web app. Each page renders into <main> and returns nothing.
const html = String.raw;

export const pages = {
  "/": {
    title: "Arhivar",
    render: () => html`
      <h1>Facturile din SPV, păstrate 10 ani</h1>
      <p>ANAF păstrează fiecare factură în SPV doar 60 de zile; legea cere păstrarea ei 10 ani.
         Arhivar descarcă automat facturile primite și trimise ale companiilor tale, păstrează
         originalul semnat și îți arată un PDF ușor de citit.</p>
      <ol class="pasi">
        <li>Creează un cont cu adresa de e-mail.</li>
        <li>Adaugă companiile după CIF.</li>
        <li>Autorizează fiecare companie la ANAF cu certificatul digital.</li>
        <li>Găsește și descarcă oricând documentele.</li>
      </ol>
      <p><a class="buton" href="/autentificare" data-link>Intră în cont</a></p>`,
  },
  "/autentificare": {
    title: "Autentificare",
    render: () => html`
      <section class="card formular" aria-labelledby="titlu-autentificare">
        <h1 id="titlu-autentificare">Autentificare</h1>
        <form id="formular-autentificare" novalidate>
          <label for="email">Adresa de e-mail</label>
          <input id="email" name="email" type="email" autocomplete="username" required>
          <label for="parola">Parola</label>
          <input id="parola" name="parola" type="password" autocomplete="current-password" required>
          <button class="buton" type="submit">Intră în cont</button>
        </form>
        <div id="mesaj-autentificare" role="alert"></div>
        <p class="nota">Nu ai cont? Crearea contului devine disponibilă în curând.</p>
      </section>`,
    mount: (root) => {
      root.querySelector("#formular-autentificare").addEventListener("submit", (event) => {
        event.preventDefault();
        root.querySelector("#mesaj-autentificare").innerHTML =
          '<p class="mesaj info">Autentificarea devine disponibilă în curând.</p>';
      });
    },
  },
  "/companii": {
    title: "Companii",
    render: () => html`
      <h1>Panoul de control al companiilor</h1>
      <p class="mesaj info">Intrați în cont pentru a vedea și adăuga companii.</p>`,
  },
  "/documente": {
    title: "Documente",
    render: () => html`
      <h1>Documente</h1>
      <p class="mesaj info">Intrați în cont pentru a vedea facturile arhivate.</p>`,
  },
  "/cont": {
    title: "Contul meu",
    render: () => html`
      <h1>Contul meu</h1>
      <p class="mesaj info">Intrați în cont pentru a vă vedea setările.</p>`,
  },
  "/termeni": {
    title: "Termeni și condiții",
    render: () => html`
      <h1>Termeni și condiții</h1>
      <p>Textul termenilor și condițiilor va fi publicat aici înainte de deschiderea conturilor.</p>`,
  },
};

export const notFound = {
  title: "Pagina nu există",
  render: () => html`
    <h1>Pagina nu există</h1>
    <p>Adresa nu corespunde niciunei pagini. <a href="/" data-link>Înapoi la prima pagină</a>.</p>`,
};
