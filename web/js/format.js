// Dates and small values as Romanian users read them: dd.mm.yyyy HH:MM, Romania time.
const DATE_TIME = new Intl.DateTimeFormat("ro-RO", {
  timeZone: "Europe/Bucharest", day: "2-digit", month: "2-digit", year: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});
const DATE = new Intl.DateTimeFormat("ro-RO", {
  timeZone: "Europe/Bucharest", day: "2-digit", month: "2-digit", year: "numeric",
});

function parts(formatter, value) {
  const map = {};
  for (const part of formatter.formatToParts(value)) map[part.type] = part.value;
  return map;
}

function parse(iso) {
  if (!iso) return null;
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? null : moment;
}

/** "30.11.2026 19:38"; "—" when there is no date. */
export function dateTime(iso) {
  const moment = parse(iso);
  if (!moment) return "—";
  const p = parts(DATE_TIME, moment);
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}

/** "30.11.2026"; "—" when there is no date. */
export function date(iso) {
  const moment = parse(iso);
  if (!moment) return "—";
  const p = parts(DATE, moment);
  return `${p.day}.${p.month}.${p.year}`;
}

export function yesNo(value) {
  return value ? "Da" : "Nu";
}

export const ROLE_NAMES = { owner: "proprietar", admin: "administrator", contabil: "contabil", viewer: "vizualizare" };

export function roleName(role) {
  return ROLE_NAMES[role] ?? role;
}

export function count(value) {
  return new Intl.NumberFormat("ro-RO").format(value ?? 0);
}

const PLURAL = new Intl.PluralRules("ro-RO");

/** A number and its noun by Romanian's plural rule (the server's domain/romanian.py `counted`):
 *  counted(1, "document", "documente") → "1 document"; 2 → "2 documente"; 20 → "20 de documente";
 *  0 → "0 documente"; 101 → "101 documente". */
export function counted(value, singular, plural) {
  const n = value ?? 0;
  const category = PLURAL.select(n);
  if (category === "one") return `${count(n)} ${singular}`;
  return `${count(n)} ${category === "few" ? "" : "de "}${plural}`;
}
