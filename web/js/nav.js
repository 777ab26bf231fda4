// Navigation without a reload, usable from any page module without importing the router.
let handler = (path) => {
  location.assign(path);
};

export function setNavigator(fn) {
  handler = fn;
}

/** Go to an app path ("/companii?x=1"); replace=true keeps the current entry out of history. */
export function navigate(path, { replace = false } = {}) {
  handler(path, { replace });
}

// A one-shot message for the next page (e.g. "Contul a fost confirmat." on the login page).
let flash = null;

export function setFlash(kind, text) {
  flash = { kind, text };
}

export function takeFlash() {
  const message = flash;
  flash = null;
  return message;
}

/** Only same-app paths may be a redirect target (never "//evil.example"). */
export function safeReturnPath(value) {
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") ? value : null;
}
