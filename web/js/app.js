// The web app shell: the history-API router, the signed-in header and the service status.
import { onSessionExpired, request } from "./api.js";
import { html, setHtml } from "./dom.js";
import { navigate, safeReturnPath, setFlash, setNavigator, takeFlash } from "./nav.js";
import { currentAccount, forget, isSignedIn, onSessionChange, restore, signOut } from "./session.js";
import account from "./pages/account.js";
import accountingExport from "./pages/accounting-export.js";
import anafResult from "./pages/anaf-result.js";
import audit from "./pages/audit.js";
import company from "./pages/company.js";
import companies from "./pages/companies.js";
import confirm from "./pages/confirm.js";
import documents from "./pages/documents.js";
import home from "./pages/home.js";
import integrations from "./pages/integrations.js";
import integrity from "./pages/integrity.js";
import login from "./pages/login.js";
import notFound from "./pages/not-found.js";
import notifications, { unsubscribePage } from "./pages/notifications.js";
import reset from "./pages/reset-password.js";
import signup from "./pages/signup.js";
import supplierMessages from "./pages/supplier-messages.js";
import terms from "./pages/terms.js";
import viewer from "./pages/viewer.js";

// Page modules: { title, auth?: true (signed-in only), guest?: true (signed-out only),
//   ownFlash?: true (shows the one-shot message itself), render(ctx) → html, mount?(root, ctx) }.
const routes = [
  [/^\/$/, home],
  [/^\/autentificare$/, login],
  [/^\/inregistrare$/, signup],
  [/^\/confirmare$/, confirm],
  [/^\/resetare-parola$/, reset],
  [/^\/termeni$/, terms],
  [/^\/cont$/, account],
  [/^\/cont\/notificari$/, notifications],
  [/^\/dezabonare$/, unsubscribePage],
  [/^\/companii$/, companies],
  [/^\/companii\/([^/]+)$/, company],
  [/^\/companii\/([^/]+)\/jurnal$/, audit],
  [/^\/companii\/([^/]+)\/integritate$/, integrity],
  [/^\/companii\/([^/]+)\/integrari$/, integrations],
  [/^\/companii\/([^/]+)\/contabilitate$/, accountingExport],
  [/^\/companii\/([^/]+)\/mesaje-furnizori$/, supplierMessages],
  [/^\/autorizare-anaf$/, anafResult],
  [/^\/documente$/, documents],
  [/^\/vizualizare$/, viewer],
];

const main = document.getElementById("continut");
let shown = 0; // increases with every page shown; async work of older pages checks it
let shownAt = null; // path + query of the page on screen (a #fragment jump keeps the page)

function match(pathname) {
  for (const [pattern, page] of routes) {
    const found = pattern.exec(pathname);
    if (found) {
      try {
        return { page, params: found.slice(1).map(decodeURIComponent) };
      } catch {
        return { page: notFound, params: [] }; // malformed %-escape in the address
      }
    }
  }
  return { page: notFound, params: [] };
}

function markCurrentLink(pathname) {
  for (const link of document.querySelectorAll(".bara nav a")) {
    const href = link.getAttribute("href");
    if (pathname === href || pathname.startsWith(`${href}/`)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function here() {
  return location.pathname + location.search;
}

function show() {
  const { page, params } = match(location.pathname);
  const query = new URLSearchParams(location.search);
  if (page.auth && !isSignedIn()) {
    go(`/autentificare?inapoi=${encodeURIComponent(here())}`, { replace: true });
    return;
  }
  if (page.guest && isSignedIn()) {
    go(safeReturnPath(query.get("inapoi")) ?? "/companii", { replace: true });
    return;
  }
  shownAt = here();
  const id = ++shown;
  const ctx = { params, query, current: () => id === shown };
  setHtml(main, page.render(ctx));
  const flash = page.ownFlash ? null : takeFlash();
  if (flash) {
    const note = document.createElement("div");
    note.setAttribute("role", "status");
    setHtml(note, html`<p class="mesaj ${flash.kind}">${flash.text}</p>`);
    main.prepend(note);
  }
  document.title = `${page.title} · Arhivar`;
  markCurrentLink(location.pathname);
  main.focus({ preventScroll: true });
  page.mount?.(main, ctx);
}

function go(path, { replace = false } = {}) {
  if (path !== here()) {
    if (replace) history.replaceState({}, "", path);
    else history.pushState({}, "", path);
  }
  show();
  window.scrollTo(0, 0);
}

function renderHeader(account) {
  const area = document.getElementById("sesiune");
  if (account) {
    setHtml(area, html`
      <span class="utilizator" title="Contul cu care sunteți autentificat">${account.email}</span>
      <button type="button" class="buton secundar" id="iesire">Ieșire</button>`);
    area.querySelector("#iesire").addEventListener("click", async () => {
      await signOut().catch(() => {});
      setFlash("succes", "Ați ieșit din cont.");
      go("/autentificare");
    });
  } else {
    setHtml(area, html`<a class="buton secundar" href="/autentificare" data-link>Autentificare</a>`);
  }
}

async function showServiceStatus() {
  const status = document.getElementById("stare-serviciu");
  try {
    const health = await request("/health");
    const ok = health.status === "ok";
    status.textContent = ok ? "Serviciu funcțional" : "Serviciu parțial indisponibil";
    status.className = ok ? "ok" : "indisponibil";
  } catch {
    status.textContent = "Serviciu indisponibil";
    status.className = "indisponibil";
  }
}

setNavigator(go);

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  go(link.getAttribute("href"));
});
window.addEventListener("popstate", () => {
  if (here() !== shownAt) show();
});

onSessionChange(renderHeader);
onSessionExpired(() => {
  const from = here();
  forget();
  setFlash("info", "Sesiunea a expirat. Intrați din nou în cont pentru a continua.");
  if (!location.pathname.startsWith("/autentificare")) {
    navigate(`/autentificare?inapoi=${encodeURIComponent(from)}`);
  }
});

showServiceStatus();
await restore(); // the header stays empty until we know whether someone is signed in
renderHeader(currentAccount());
show();
