// A date field of our own: typed and shown as zz.ll.aaaa whatever the browser's language (a
// native <input type="date"> follows the browser's locale: mm/dd/yyyy in an English Chromium).
// The address and the API keep ISO dates (aaaa-ll-zz); this module converts at the field.
// A calendar button opens a small month grid, usable with the keyboard alone.
import { html, setHtml } from "./dom.js";

const MONTHS = ["ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
  "septembrie", "octombrie", "noiembrie", "decembrie"];
const WEEKDAYS = ["Lu", "Ma", "Mi", "Jo", "Vi", "Sâ", "Du"];
const WEEKDAY_NAMES = ["luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică"];
const TYPED = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
export const DATE_HINT = "zz.ll.aaaa, de exemplu 05.11.2026";

// Drawn, not an emoji: headless and minimal systems have no emoji font.
const CALENDAR_ICON = html`<svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24"
  fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><rect x="3" y="5" width="18" height="16"
  rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/></svg>`;

const pad = (n) => String(n).padStart(2, "0");

function validDay(year, month, day) {
  const moment = new Date(Date.UTC(year, month - 1, day));
  return moment.getUTCFullYear() === year && moment.getUTCMonth() === month - 1 && moment.getUTCDate() === day;
}

/** "05.11.2026" (also 5.11.2026, 05/11/2026, 05-11-2026, or an ISO date) → { iso: "2026-11-05" };
 *  anything else → { error: <Romanian text> }. Day first, always: Romanian order. */
export function parseDate(text) {
  const value = String(text ?? "").trim();
  const typed = TYPED.exec(value);
  const iso = ISO.exec(value);
  let day, month, year;
  if (typed) [day, month, year] = typed.slice(1).map(Number);
  else if (iso) [year, month, day] = iso.slice(1).map(Number);
  else return { error: `Scrieți data ca ${DATE_HINT}.` };
  if (month < 1 || month > 12) return { error: `Luna ${month} nu există: scrieți data ca ${DATE_HINT}.` };
  if (year < 1900 || year > 2999) return { error: `Anul ${year} nu este valid: scrieți data ca ${DATE_HINT}.` };
  if (!validDay(year, month, day)) return { error: `Data ${pad(day)}.${pad(month)}.${year} nu există.` };
  return { iso: `${year}-${pad(month)}-${pad(day)}` };
}

/** "2026-11-05" → "05.11.2026"; anything that is not an ISO date is shown as it is. */
export function showDate(iso) {
  const match = ISO.exec(String(iso ?? ""));
  return match ? `${match[3]}.${match[2]}.${match[1]}` : String(iso ?? "");
}

/** The field's markup: label, text input (pattern, hint), calendar button, error line. */
export function dateField({ id, name, label, iso }) {
  return html`<div class="camp camp-data">
    <label for="${id}">${label}</label>
    <div class="data-cu-calendar">
      <input id="${id}" name="${name}" type="text" inputmode="numeric" autocomplete="off" spellcheck="false"
        maxlength="10" placeholder="zz.ll.aaaa" pattern="\\d{1,2}[.\\/\\-]\\d{1,2}[.\\/\\-]\\d{4}|\\d{4}-\\d{2}-\\d{2}" data-data
        value="${showDate(iso)}" aria-describedby="format-${id} eroare-${name}">
      <button type="button" class="buton-calendar" data-calendar="${id}" aria-expanded="false"
        aria-haspopup="dialog">${CALENDAR_ICON}<span class="ascuns">Alegeți din calendar: ${label}</span></button>
    </div>
    <p class="ascuns" id="format-${id}">Format: ${DATE_HINT}.</p>
    <p class="eroare-camp" id="eroare-${name}" role="alert" hidden></p>
  </div>`;
}

/** The form's date fields read as ISO: { values: {name: iso}, problems: {name: message} }. */
export function readDateFields(form) {
  const values = {};
  const problems = {};
  for (const input of form.querySelectorAll("input[data-data]")) {
    if (!input.value.trim()) continue;
    const { iso, error } = parseDate(input.value);
    if (error) problems[input.name] = error;
    else values[input.name] = iso;
  }
  return { values, problems };
}

// -- the calendar ----------------------------------------------------------------------------

function isoOf(moment) {
  return `${moment.getUTCFullYear()}-${pad(moment.getUTCMonth() + 1)}-${pad(moment.getUTCDate())}`;
}

function longName(moment) {
  const weekday = WEEKDAY_NAMES[(moment.getUTCDay() + 6) % 7];
  return `${weekday}, ${moment.getUTCDate()} ${MONTHS[moment.getUTCMonth()]} ${moment.getUTCFullYear()}`;
}

function monthGrid(focused, chosenIso) {
  const first = new Date(Date.UTC(focused.getUTCFullYear(), focused.getUTCMonth(), 1));
  const start = new Date(first);
  start.setUTCDate(1 - ((first.getUTCDay() + 6) % 7)); // back to Monday
  const weeks = [];
  for (let w = 0; w < 6; w += 1) {
    const days = [];
    for (let d = 0; d < 7; d += 1) {
      const day = new Date(start);
      day.setUTCDate(start.getUTCDate() + w * 7 + d);
      const iso = isoOf(day);
      const inMonth = day.getUTCMonth() === focused.getUTCMonth();
      const current = iso === isoOf(focused);
      days.push(html`<td><button type="button" class="zi${inMonth ? "" : " alta-luna"}" data-zi="${iso}"
        tabindex="${current ? "0" : "-1"}" aria-label="${longName(day)}"
        ${iso === chosenIso ? html`aria-pressed="true"` : html`aria-pressed="false"`}>${day.getUTCDate()}</button></td>`);
    }
    weeks.push(html`<tr>${days}</tr>`);
  }
  return weeks;
}

function calendarMarkup(focused, chosenIso, label) {
  const title = `${MONTHS[focused.getUTCMonth()]} ${focused.getUTCFullYear()}`;
  return html`
    <div class="calendar-antet">
      <button type="button" class="buton mic secundar contur" data-luna="-1" aria-label="Luna anterioară">‹</button>
      <h2 class="calendar-titlu" id="calendar-titlu" aria-live="polite">${title}</h2>
      <button type="button" class="buton mic secundar contur" data-luna="1" aria-label="Luna următoare">›</button>
    </div>
    <table class="calendar-grila" aria-labelledby="calendar-titlu">
      <thead><tr>${WEEKDAYS.map((d, i) => html`<th scope="col" abbr="${WEEKDAY_NAMES[i]}">${d}</th>`)}</tr></thead>
      <tbody>${monthGrid(focused, chosenIso)}</tbody>
    </table>
    <p class="nota">Săgețile mută ziua, Page Up/Page Down luna, Enter alege, Escape închide.</p>
    <div class="butoane"><button type="button" class="buton mic secundar contur" data-inchide>Închide<span
      class="ascuns"> calendarul: ${label}</span></button></div>`;
}

/** Open the calendar for `input` (a modal <dialog>: native focus trap and Escape). */
export function openCalendar(input, button) {
  const label = input.labels?.[0]?.textContent ?? "Data";
  const chosen = parseDate(input.value).iso ?? null;
  const today = new Date();
  let focused = chosen ? new Date(`${chosen}T00:00:00Z`)
    : new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()));
  const dialog = document.createElement("dialog");
  dialog.className = "dialog calendar";
  dialog.setAttribute("aria-label", `Calendar: ${label}`);
  document.body.append(dialog);
  button.setAttribute("aria-expanded", "true");

  const draw = () => {
    setHtml(dialog, calendarMarkup(focused, chosen, label));
    dialog.querySelector(`[data-zi="${isoOf(focused)}"]`)?.focus();
  };
  const close = () => {
    dialog.close();
    dialog.remove();
    button.setAttribute("aria-expanded", "false");
    input.focus();
  };
  const move = (days = 0, months = 0) => {
    const next = new Date(focused);
    if (months) {
      next.setUTCDate(1);
      next.setUTCMonth(next.getUTCMonth() + months);
      const last = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
      next.setUTCDate(Math.min(focused.getUTCDate(), last));
    }
    next.setUTCDate(next.getUTCDate() + days);
    focused = next;
    draw();
  };

  dialog.addEventListener("click", (event) => {
    const day = event.target.closest("[data-zi]");
    const month = event.target.closest("[data-luna]")?.dataset.luna;
    if (day) {
      input.value = showDate(day.dataset.zi);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      close();
    } else if (month) {
      move(0, Number(month));
      dialog.querySelector(`[data-luna="${month}"]`)?.focus(); // keep the focus on the pressed arrow
    } else if (event.target.closest("[data-inchide]") || event.target === dialog) {
      close();
    }
  });
  dialog.addEventListener("keydown", (event) => {
    if (!event.target.closest("[data-zi]")) return;
    const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [-7, 0], ArrowDown: [7, 0],
      PageUp: [0, -1], PageDown: [0, 1] };
    if (keys[event.key]) {
      event.preventDefault();
      move(...keys[event.key]);
    }
  });
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close();
  });
  dialog.showModal();
  draw();
}

/** Calendar buttons inside `root` open their field's calendar. */
export function mountDateFields(root) {
  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-calendar]");
    if (!button) return;
    const input = root.querySelector(`#${CSS.escape(button.dataset.calendar)}`);
    if (input) openCalendar(input, button);
  });
}
