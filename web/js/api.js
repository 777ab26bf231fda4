// The one way the web app talks to the API: JSON in, JSON out, errors as ApiError with the
// API's stable code and its Romanian message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const UNREACHABLE = "Nu ne putem conecta la serviciu. Verificați conexiunea și încercați din nou.";

export async function api(path, { method = "GET", body } = {}) {
  let response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network_error", UNREACHABLE);
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok && !(payload && payload.status)) {
    const error = payload?.error ?? {};
    throw new ApiError(response.status, error.code ?? "http_error", error.message ?? UNREACHABLE);
  }
  return payload;
}
