import { html } from "../dom.js";

export default {
  title: "Pagina nu există",
  render: () => html`
    <h1>Pagina nu există</h1>
    <p>Adresa nu corespunde niciunei pagini. <a href="/" data-link>Înapoi la prima pagină</a>.</p>`,
};
