// The one way the web app talks to the API: JSON in, JSON out, errors as ApiError with the
// API's stable code and its Romanian message.
//
// The access token lives in memory only (never in storage). The refresh token is an HttpOnly
// cookie scoped to /api/auth that JavaScript cannot read; POST /api/auth/refresh (with the
// X-Arhivar-Client header, a CSRF guard) turns it into a new access token.
export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const UNREACHABLE = "Nu ne putem conecta la serviciu. Verificați conexiunea și încercați din nou.";
export const SESSION_EXPIRED = "session_expired";

let accessToken = null;
let refreshing = null;
let onExpired = () => {};

export function setAccessToken(token) {
  accessToken = token;
}

export function hasAccessToken() {
  return accessToken !== null;
}

/** Called when a session cannot be renewed (the router sends the person to the login page). */
export function onSessionExpired(handler) {
  onExpired = handler;
}

/** A request's body is sent as JSON; a file (Blob) as its raw bytes. */
function encodeBody(body, headers) {
  if (body === undefined) return { headers, payload: undefined };
  if (body instanceof Blob) return { headers: { ...headers, "Content-Type": "application/octet-stream" }, payload: body };
  return { headers: { ...headers, "Content-Type": "application/json" }, payload: JSON.stringify(body) };
}

/** A call without the access token (public routes: sign-up, login, terms, health…).
 *  `as: "blob"` answers a successful call with { blob, headers } instead of JSON (a file download). */
export async function request(path, { method = "GET", body, headers = {}, as } = {}) {
  let response;
  const encoded = encodeBody(body, headers);
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers: encoded.headers,
      body: encoded.payload,
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network_error", UNREACHABLE);
  }
  if (response.status === 204) return null;
  if (as === "blob" && response.ok) return { blob: await response.blob(), headers: response.headers };
  const payload = await response.json().catch(() => null);
  if (!response.ok && !(payload && payload.status)) {
    const error = payload?.error ?? {};
    throw new ApiError(response.status, error.code ?? "http_error", error.message ?? UNREACHABLE,
                       error.details ?? {});
  }
  return payload;
}

/** A new access token from the refresh cookie; concurrent callers share one request. */
export function refreshAccessToken() {
  refreshing ??= (async () => {
    try {
      const session = await request("/auth/refresh", {
        method: "POST", headers: { "X-Arhivar-Client": "web" },
      });
      accessToken = session.access_token;
      return true;
    } catch (error) {
      if (error.status === 401 || error.status === 403) {
        accessToken = null;
        return false;
      }
      throw error;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function expired() {
  accessToken = null;
  onExpired();
  return new ApiError(401, SESSION_EXPIRED, "Sesiunea a expirat. Intrați din nou în cont.");
}

/** A call as the signed-in person: Bearer token; on 401 one refresh and one retry. */
export async function api(path, options = {}) {
  const call = () => request(path, {
    ...options, headers: { ...options.headers, Authorization: `Bearer ${accessToken}` },
  });
  if (accessToken === null && !(await refreshAccessToken())) throw expired();
  try {
    return await call();
  } catch (error) {
    if (error.status !== 401) throw error;
  }
  if (!(await refreshAccessToken())) throw expired();
  try {
    return await call();
  } catch (error) {
    if (error.status === 401) throw expired();
    throw error;
  }
}
