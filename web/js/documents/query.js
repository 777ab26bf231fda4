// The Documents page's state lives in the address: company, filters, page size and position.
// Everything here is pure (URLSearchParams in, URLSearchParams out) so a link can be shared
// and the back button walks through the pages and filters a person has seen.

export const FILTERS = [
  "type", "created_from", "created_to", "issued_from", "issued_to",
  "partner", "number", "amount_min", "amount_max", "q", "superseded", "accounting",
  "review", // the review state (documents/review.js)
];
export const PAGE_SIZES = [10, 25, 50, 100];
export const DEFAULT_PAGE_SIZE = 25;
export const TYPES = {
  received: "Primită", sent: "Trimisă", error: "Eroare", buyer_message: "Mesaj", unknown: "Necunoscut",
};
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** { cif, filters: {name: value}, pageSize, cursor, direction, pageNumber, exportId } from the
 *  address. The API pages with cursors; the page number ("pagina", 1 without a cursor) is ours,
 *  carried along for "Pagina X din Y". */
export function readState(query) {
  const filters = {};
  for (const name of FILTERS) {
    const value = (query.get(name) ?? "").trim();
    if (value) filters[name] = value;
  }
  const size = Number(query.get("pe_pagina"));
  return {
    cif: query.get("cif") || null,
    filters,
    pageSize: PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE,
    cursor: query.get("pozitie") || null,
    direction: query.get("directie") === "prev" ? "prev" : "next",
    pageNumber: query.get("pozitie") ? Math.max(1, Math.floor(Number(query.get("pagina"))) || 1) : 1,
    exportId: query.get("export") || null,
  };
}

/** The page's address for a state (defaults left out, so addresses stay short). */
export function pagePath(state) {
  const query = new URLSearchParams();
  if (state.cif) query.set("cif", state.cif);
  for (const name of FILTERS) {
    if (state.filters?.[name]) query.set(name, state.filters[name]);
  }
  if (state.pageSize && state.pageSize !== DEFAULT_PAGE_SIZE) query.set("pe_pagina", String(state.pageSize));
  if (state.cursor) {
    query.set("pozitie", state.cursor);
    if (state.direction === "prev") query.set("directie", "prev");
    if (state.pageNumber > 1) query.set("pagina", String(state.pageNumber));
  }
  if (state.exportId) query.set("export", state.exportId);
  const text = query.toString();
  return `/documente${text ? `?${text}` : ""}`;
}

/** The API's query string for one page. */
export function apiQuery(state) {
  const query = new URLSearchParams(state.filters);
  query.set("page_size", String(state.pageSize));
  if (state.cursor) {
    query.set("cursor", state.cursor);
    query.set("direction", state.direction);
  }
  return query.toString();
}

/** Problems the browser can spot before asking: { field: message }. */
export function checkFilters(filters) {
  const problems = {};
  for (const name of ["created_from", "created_to", "issued_from", "issued_to"]) {
    const value = filters[name];
    if (value && (!DATE.test(value) || Number.isNaN(Date.parse(value)))) {
      problems[name] = "Data nu este validă.";
    }
  }
  for (const [from, to, what] of [["created_from", "created_to", "Data creării"],
    ["issued_from", "issued_to", "Data emiterii"]]) {
    if (!problems[from] && !problems[to] && filters[from] && filters[to] && filters[from] > filters[to]) {
      problems[to] = `${what}: sfârșitul intervalului este înaintea începutului.`;
    }
  }
  // Amounts go to the API as typed: it reads them as Romanians write them ("50.000" is fifty
  // thousand) and explains what it refuses (ambiguous_amount) next to the field.
  return problems;
}

export function hasFilters(filters) {
  return Object.keys(filters).length > 0;
}
