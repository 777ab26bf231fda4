// Export pentru contabilitate (/companii/<cif>/contabilitate): the invoices of a month or a
// quarter for SAGA (a ZIP of SAGA's import XML, one file per invoice) or as a CSV of lines (for
// WinMentor and other programs), received and/or sent, by default only those no earlier
// accounting export took. The export worker builds the file; its progress shows here.
import { api, SESSION_EXPIRED } from "../api.js";
import { html, setHtml, showMessage, withProgress } from "../dom.js";
import { followExport, startExport } from "../documents/downloads.js";

const MONTHS = ["Ianuarie", "Februarie", "Martie", "Aprilie", "Mai", "Iunie", "Iulie", "August",
  "Septembrie", "Octombrie", "Noiembrie", "Decembrie"];
const QUARTERS = ["Trimestrul I", "Trimestrul II", "Trimestrul III", "Trimestrul IV"];

/** The month before today's: what an accountant books at the start of a month. */
function lastMonth(today = new Date()) {
  const month = today.getMonth(); // 0-based: this is the previous month's 1-based number
  return month === 0 ? { year: today.getFullYear() - 1, month: 12 } : { year: today.getFullYear(), month };
}

function periodFields() {
  const { year, month } = lastMonth();
  const thisYear = new Date().getFullYear();
  const years = [thisYear, thisYear - 1, thisYear - 2, thisYear - 3];
  const two = (n) => String(n).padStart(2, "0");
  return html`
    <fieldset class="rand">
      <legend>Perioada (după data emiterii facturii)</legend>
      <div class="camp">
        <label for="export-an">Anul</label>
        <select id="export-an" name="year">
          ${years.map((y) => html`<option value="${y}" ${y === year ? "selected" : ""}>${y}</option>`)}
        </select>
      </div>
      <div class="camp">
        <label for="export-perioada">Luna sau trimestrul</label>
        <select id="export-perioada" name="period">
          <optgroup label="Luni">
            ${MONTHS.map((name, i) => html`<option value="${two(i + 1)}" ${i + 1 === month ? "selected" : ""}>${name}</option>`)}
          </optgroup>
          <optgroup label="Trimestre">
            ${QUARTERS.map((name, i) => html`<option value="T${i + 1}">${name}</option>`)}
          </optgroup>
        </select>
      </div>
    </fieldset>`;
}

function form() {
  return html`
    <form class="card" id="export-contabil" novalidate aria-labelledby="titlu-export-contabil">
      <h2 id="titlu-export-contabil">Ce exportați</h2>
      ${periodFields()}
      <div class="rand">
        <div class="camp">
          <label for="export-tip">Facturile</label>
          <select id="export-tip" name="type">
            <option value="">Primite și trimise (intrări și ieșiri)</option>
            <option value="received">Doar primite (intrări)</option>
            <option value="sent">Doar trimise (ieșiri)</option>
          </select>
        </div>
        <div class="camp">
          <label for="export-format">Formatul</label>
          <select id="export-format" name="format">
            <option value="saga">SAGA: câte un fișier XML pe factură (arhivă ZIP)</option>
            <option value="lines_csv">CSV de linii: WinMentor și alte programe</option>
          </select>
        </div>
      </div>
      <div class="bifa">
        <input id="export-neexportate" name="not_exported" type="checkbox" value="1" checked>
        <label for="export-neexportate">Doar ce nu a fost exportat încă</label>
      </div>
      <p class="nota">Fiecare factură exportată este marcată „exportat în contabilitate”, cu data
        exportului; data viitoare puteți exporta doar facturile sosite între timp. În SAGA:
        Diverse → Import date → fișierele din dosarele Intrari și Iesiri ale arhivei.</p>
      <div class="butoane">
        <button class="buton" type="submit" id="pregateste-export">Pregătește exportul</button>
      </div>
      <div id="stare-export" role="status" aria-live="polite"></div>
    </form>`;
}

export default {
  title: "Export pentru contabilitate",
  auth: true,
  render: (ctx) => html`
    <p class="firimituri"><a href="/companii/${encodeURIComponent(ctx.params[0])}" data-link>← Compania</a></p>
    <h1>Export pentru contabilitate</h1>
    <p class="subtitlu">CIF ${ctx.params[0]} · facturile unei luni sau ale unui trimestru pentru SAGA sau WinMentor</p>
    <div id="mesaj-contabilitate" role="alert"></div>
    <div id="continut-contabilitate" aria-busy="true"></div>`,
  async mount(root, ctx) {
    const cif = ctx.params[0];
    const alive = () => ctx.current();
    const messages = root.querySelector("#mesaj-contabilitate");
    const content = root.querySelector("#continut-contabilitate");
    try {
      await api(`/companies/${encodeURIComponent(cif)}`);
    } catch (error) {
      if (error.code === SESSION_EXPIRED || !alive()) return;
      showMessage(messages, "eroare", error.code === "company_not_found"
        ? "Compania nu există în contul dumneavoastră." : error.message);
      content.removeAttribute("aria-busy");
      return;
    }
    if (!alive()) return;
    setHtml(content, html`${form()}
      <p><a href="/documente?cif=${encodeURIComponent(cif)}&amp;accounting=not_exported" data-link
        id="link-neexportate">Vedeți documentele neexportate încă</a></p>`);
    content.removeAttribute("aria-busy");
    const chosen = root.querySelector("#export-contabil");
    const region = root.querySelector("#stare-export");
    const button = root.querySelector("#pregateste-export");
    chosen.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(chosen);
      const filters = {};
      if (data.get("type")) filters.type = String(data.get("type"));
      if (data.get("not_exported")) filters.accounting = "not_exported";
      const period = `${data.get("year")}-${data.get("period")}`;
      let exportId = null;
      await withProgress(button, "Se pornește…", async () => {
        try {
          exportId = await startExport(cif, String(data.get("format")), filters, period);
        } catch (error) {
          if (alive()) showMessage(region, "eroare", error.message);
        }
      });
      if (!exportId || !alive()) return;
      button.disabled = true; // one export at a time; the next one once this one is done
      try {
        await followExport({ cif, exportId, region, alive });
      } finally {
        button.disabled = false;
      }
    });
  },
};
