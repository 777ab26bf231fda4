// Jurnalul de securitate al unei companii (/companii/<cif>/jurnal), doar pentru proprietari:
// who did what and when (memberships, ANAF authorizations, exports, licence), newest first, in
// pages, and "Descarcă CSV". The event names and details come from the API already in Romanian
// (chalicelib/domain/audit.py is their one definition).
import { api, SESSION_EXPIRED } from "../api.js";
import { html, setHtml, showMessage, withProgress } from "../dom.js";
import { dateTime } from "../format.js";

const PAGE_SIZE = 25;

function secondsOf(iso) {
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? "" : `:${String(moment.getUTCSeconds()).padStart(2, "0")}`;
}

function eventRow(event) {
  const who = event.actor?.email ?? "—";
  return html`
    <tr data-eveniment="${event.event}">
      <td data-eticheta="Data și ora"><time datetime="${event.at}">${dateTime(event.at)}${secondsOf(event.at)}</time></td>
      <td data-eticheta="Cine"><div>${who}</div>${event.ip ? html`<div class="nota">IP ${event.ip}</div>` : ""}</td>
      <td data-eticheta="Ce"><div class="denumire">${event.label}</div></td>
      <td data-eticheta="Detalii"><div>${event.summary || "—"}</div></td>
    </tr>`;
}

function journalTable(page, pageNumber) {
  if (!page.events.length) {
    return html`<div class="gol"><p>Jurnalul nu are încă evenimente.</p></div>`;
  }
  return html`
    <div class="tabel-derulant">
      <table class="tabel jurnal">
        <caption class="ascuns">Jurnal de securitate, pagina ${pageNumber}, cele mai noi primele</caption>
        <thead><tr><th scope="col">Data și ora</th><th scope="col">Cine</th>
          <th scope="col">Ce</th><th scope="col">Detalii</th></tr></thead>
        <tbody>${page.events.map(eventRow)}</tbody>
      </table>
    </div>
    <nav class="paginare" aria-label="Paginare jurnal">
      <span class="total" id="pagina-jurnal">Pagina ${pageNumber}</span>
      <span class="rand-mic">
        <button type="button" class="buton mic secundar contur" id="jurnal-anterior"
          ${pageNumber > 1 ? "" : "disabled"}>‹ Pagina anterioară</button>
        <button type="button" class="buton mic secundar contur" id="jurnal-urmator"
          ${page.next_cursor ? "" : "disabled"}>Pagina următoare ›</button>
      </span>
    </nav>`;
}

function fileName(headers, cif) {
  const match = /filename="([^"]+)"/.exec(headers.get("Content-Disposition") ?? "");
  return match ? match[1] : `Arhivar_jurnal_securitate_${cif}.csv`;
}

export default {
  title: "Jurnal de securitate",
  auth: true,
  render: (ctx) => html`
    <p class="firimituri"><a href="/companii/${encodeURIComponent(ctx.params[0])}" data-link>← Compania</a></p>
    <h1>Jurnal de securitate</h1>
    <p class="subtitlu">CIF ${ctx.params[0]} · cine și când a schimbat accesul la companie</p>
    <section class="card" aria-labelledby="titlu-jurnal">
      <div class="antet-card">
        <h2 id="titlu-jurnal">Evenimente</h2>
        <button type="button" class="buton mic secundar contur" id="descarca-csv">Descarcă CSV</button>
      </div>
      <p class="nota">Membri adăugați, eliminați sau cu rol schimbat, autorizări ANAF, exporturi și
        schimbări de licență. Jurnalul nu poate fi modificat; cele mai noi evenimente sunt primele.
        Orele sunt ale României.</p>
      <div id="mesaj-jurnal" role="alert"></div>
      <div id="jurnal" aria-busy="true"><p class="nota">Se încarcă…</p></div>
    </section>`,
  async mount(root, ctx) {
    const cif = ctx.params[0];
    const path = `/companies/${encodeURIComponent(cif)}/audit`;
    const box = root.querySelector("#jurnal");
    const messages = root.querySelector("#mesaj-jurnal");
    const cursors = [null]; // the cursor of each page shown so far: page n is cursors[n - 1]

    const problem = (error) => {
      if (error.code === SESSION_EXPIRED || !ctx.current()) return;
      if (error.status === 404) {
        showMessage(messages, "eroare", "Compania nu există în contul dumneavoastră.");
      } else if (error.code === "not_allowed") {
        showMessage(messages, "eroare", "Doar proprietarii companiei pot vedea jurnalul de securitate.");
      } else {
        showMessage(messages, "eroare", error.message);
      }
    };

    async function load(pageNumber) {
      box.setAttribute("aria-busy", "true");
      const cursor = cursors[pageNumber - 1];
      const query = new URLSearchParams({ page_size: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
      try {
        const page = await api(`${path}?${query}`);
        if (!ctx.current()) return;
        showMessage(messages, null);
        cursors.length = pageNumber;
        if (page.next_cursor) cursors.push(page.next_cursor);
        setHtml(box, journalTable(page, pageNumber));
        box.querySelector("#jurnal-urmator")?.addEventListener("click", () => load(pageNumber + 1));
        box.querySelector("#jurnal-anterior")?.addEventListener("click", () => load(pageNumber - 1));
      } catch (error) {
        problem(error);
        if (ctx.current() && error.code !== SESSION_EXPIRED) setHtml(box, html``);
      } finally {
        box.removeAttribute("aria-busy");
      }
    }

    const download = root.querySelector("#descarca-csv");
    download.addEventListener("click", () => withProgress(download, "Se pregătește…", async () => {
      try {
        const { blob, headers } = await api(`${path}.csv`, { as: "blob" });
        if (!ctx.current()) return;
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = fileName(headers, cif);
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
        if (headers.get("X-Arhivar-Next-Cursor")) {
          showMessage(messages, "info", "Fișierul conține cele mai noi 10.000 de evenimente.");
        }
      } catch (error) {
        problem(error);
      }
    }));

    load(1);
  },
};
