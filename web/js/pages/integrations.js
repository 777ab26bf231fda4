// Integrări (/companii/<cif>/integrari): what connects a company's archive to the customer's own
// systems. Each integration is a section module in web/js/integrations/ listed in SECTIONS:
//   { id, title, intro, mount(section, { cif, company, ctx }) }
// A section renders into its own card; the page loads the company once and hands it over.
import { api, SESSION_EXPIRED } from "../api.js";
import { html, setHtml, showMessage } from "../dom.js";
import apiKeys from "../integrations/api-keys.js";
import s3Delivery from "../integrations/s3-delivery.js";
import webhooks from "../integrations/webhooks.js";

const SECTIONS = [apiKeys, webhooks, s3Delivery];

function sectionCard(section) {
  return html`
    <section class="card" aria-labelledby="titlu-${section.id}" id="integrare-${section.id}">
      <h2 id="titlu-${section.id}">${section.title}</h2>
      <p class="nota">${section.intro}</p>
      <div class="continut-integrare"></div>
    </section>`;
}

export default {
  title: "Integrări",
  auth: true,
  render: (ctx) => html`
    <p class="firimituri"><a href="/companii/${encodeURIComponent(ctx.params[0])}" data-link>← Compania</a></p>
    <h1>Integrări</h1>
    <p class="subtitlu">CIF ${ctx.params[0]} · arhiva legată de sistemele dumneavoastră</p>
    <div id="mesaj-integrari" role="alert"></div>
    <div id="integrari">${SECTIONS.map(sectionCard)}</div>`,
  async mount(root, ctx) {
    const cif = ctx.params[0];
    const messages = root.querySelector("#mesaj-integrari");
    let company;
    try {
      ({ company } = await api(`/companies/${encodeURIComponent(cif)}`));
    } catch (error) {
      if (error.code === SESSION_EXPIRED || !ctx.current()) return;
      showMessage(messages, "eroare", error.code === "company_not_found"
        ? "Compania nu există în contul dumneavoastră." : error.message);
      setHtml(root.querySelector("#integrari"), html``);
      return;
    }
    if (!ctx.current()) return;
    for (const section of SECTIONS) {
      const card = root.querySelector(`#integrare-${section.id} .continut-integrare`);
      section.mount(card, { cif, company, ctx });
    }
  },
};
