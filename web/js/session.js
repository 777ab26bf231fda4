// Who is signed in. The access token stays in api.js's memory; this module restores a session
// after a reload (through the HttpOnly refresh cookie), signs in and out, and knows the account.
import { api, hasAccessToken, refreshAccessToken, request, setAccessToken } from "./api.js";

// Whether this browser may hold a refresh cookie (the cookie itself is invisible to scripts).
// Only a hint that spares anonymous visitors a pointless refresh call; never a credential.
const HINT = "arhivar.sesiune";
const listeners = new Set();
let account = null;

function hint(on) {
  try {
    if (on) localStorage.setItem(HINT, "1");
    else localStorage.removeItem(HINT);
  } catch {
    // storage disabled: sessions then simply do not survive a reload
  }
}

function hinted() {
  try {
    return localStorage.getItem(HINT) === "1";
  } catch {
    return false;
  }
}

function changed() {
  for (const listener of listeners) listener(account);
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

export function currentAccount() {
  return account;
}

export function isSignedIn() {
  return account !== null && hasAccessToken();
}

async function loadAccount() {
  account = await api("/account");
  hint(true);
  changed();
  return account;
}

/** At page load: restore the session from the refresh cookie, if there is one. */
export async function restore() {
  if (!hinted()) return null;
  try {
    if (!(await refreshAccessToken())) {
      hint(false);
      return null;
    }
    return await loadAccount();
  } catch {
    return null; // the service is unreachable: show the app signed out, keep the hint
  }
}

/** The password step. Resolves to the account, or to `{ challenge: "totp", session }` when the
 *  account has two-factor login: then `completeSignIn` with the app's code or a recovery code. */
export async function signIn(email, password) {
  const session = await request("/auth/login", { method: "POST", body: { email, password } });
  if (session.challenge) return { challenge: session.challenge, session: session.session };
  setAccessToken(session.access_token);
  return loadAccount();
}

export async function completeSignIn(challengeSession, code) {
  const session = await request("/auth/login/totp", {
    method: "POST", body: { session: challengeSession, code },
  });
  setAccessToken(session.access_token);
  return loadAccount();
}

/** Forget the session in this tab (after logout, account deletion or an expired session). */
export function forget() {
  setAccessToken(null);
  account = null;
  hint(false);
  changed();
}

export async function signOut() {
  try {
    await api("/auth/logout", { method: "POST" });
  } finally {
    forget();
  }
}
