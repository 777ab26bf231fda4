// The web app shell: a small history-API router and the service status in the footer.
import { api } from "./api.js";
import { notFound, pages } from "./pages.js";

function show(path) {
  const page = pages[path] ?? notFound;
  const main = document.getElementById("continut");
  main.innerHTML = page.render();
  page.mount?.(main);
  document.title = `${page.title} · Arhivar`;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.focus();
}

function navigate(path) {
  if (path !== location.pathname) history.pushState({}, "", path);
  show(path);
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", () => show(location.pathname));

async function showServiceStatus() {
  const status = document.getElementById("stare-serviciu");
  try {
    const health = await api("/health");
    const ok = health.status === "ok";
    status.textContent = ok ? "Serviciu funcțional" : "Serviciu parțial indisponibil";
    status.className = ok ? "ok" : "indisponibil";
  } catch {
    status.textContent = "Serviciu indisponibil";
    status.className = "indisponibil";
  }
}

show(location.pathname);
showServiceStatus();
