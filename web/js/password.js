// The password policy (GET /api/terms), explained as a checklist that ticks while people type.
import { request } from "./api.js";
import { html, setHtml } from "./dom.js";
import { counted } from "./format.js";

// Cognito's accepted special characters (chalicelib/domain/passwords.py).
const SYMBOLS = new Set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-");
let terms = null;

/** The terms version and password policy; fetched once per page load. */
export function loadTerms() {
  terms ??= request("/terms").catch((error) => {
    terms = null;
    throw error;
  });
  return terms;
}

export function policyRules(policy) {
  const rules = [{
    id: "lungime", label: `Cel puțin ${counted(policy.min_length, "caracter", "caractere")}`,
    test: (p) => [...p].length >= policy.min_length,
  }];
  if (policy.require_lowercase) rules.push({ id: "mica", label: "O literă mică", test: (p) => /[a-z]/.test(p) });
  if (policy.require_uppercase) rules.push({ id: "mare", label: "O literă mare", test: (p) => /[A-Z]/.test(p) });
  if (policy.require_digits) rules.push({ id: "cifra", label: "O cifră", test: (p) => /\p{Nd}/u.test(p) });
  if (policy.require_symbols) {
    rules.push({
      id: "simbol", label: "Un simbol (de exemplu ! ? # @ %)",
      test: (p) => [...p].some((c) => SYMBOLS.has(c)),
    });
  }
  return rules;
}

/** The Romanian reason a password is refused, or null when it satisfies the policy. */
export function passwordProblem(password, policy) {
  if (!password) return "Introduceți parola.";
  const missing = policyRules(policy).filter((rule) => !rule.test(password));
  if (missing.length) {
    return `Parola nu respectă regulile: ${missing.map((r) => r.label.toLowerCase()).join(", ")}.`;
  }
  if (password !== password.trim()) return "Parola nu poate începe sau se termina cu un spațiu.";
  return null;
}

/**
 * Fill `list` with the policy's rules and tick them as `input` changes. Resolves to the policy
 * (or null when the terms could not be loaded; the API still checks the password).
 */
export async function attachChecklist(input, list) {
  let policy;
  try {
    policy = (await loadTerms()).password_policy;
  } catch {
    return null;
  }
  const rules = policyRules(policy);
  const update = () => {
    const value = input.value;
    setHtml(list, html`${rules.map((rule) => {
      const ok = rule.test(value);
      return html`<li class="${ok ? "indeplinita" : ""}" data-regula="${rule.id}">
        ${rule.label}<span class="ascuns"> — ${ok ? "îndeplinită" : "neîndeplinită"}</span></li>`;
    })}`);
  };
  input.addEventListener("input", update);
  update();
  return policy;
}
