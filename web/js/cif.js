// The Romanian fiscal code (CIF/CUI), checked in the browser before anything is sent: the same
// rule as chalicelib/domain/cif.py (ANAF's control digit, weights 7 5 3 2 1 7 5 3 2).
const WEIGHTS = [7, 5, 3, 2, 1, 7, 5, 3, 2];

/** The digits of what people type: "RO 8486152", "ro8486152", "8 486 152" → "8486152". */
export function cleanCif(text) {
  return String(text ?? "").replace(/[\s.\-]/g, "").toUpperCase().replace(/^RO/, "");
}

export function hasValidControlDigit(digits) {
  if (!/^[0-9]{2,10}$/.test(digits)) return false;
  const body = digits.slice(0, -1).padStart(9, "0");
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * WEIGHTS[i], 0);
  let remainder = (sum * 10) % 11;
  if (remainder === 10) remainder = 0;
  return remainder === Number(digits.at(-1));
}

/** { cif } when valid, else { error } with the Romanian explanation. */
export function checkCif(text) {
  const cleaned = cleanCif(text);
  if (!cleaned) return { error: "Introduceți CIF-ul companiei." };
  if (!/^[0-9]+$/.test(cleaned)) {
    return { error: "CIF-ul poate conține doar cifre, eventual precedate de „RO”." };
  }
  if (cleaned.length < 2 || cleaned.length > 10) return { error: "CIF-ul are între 2 și 10 cifre." };
  if (!hasValidControlDigit(cleaned)) {
    return { error: "CIF-ul nu este valid: cifra de control nu corespunde. Verificați cifrele." };
  }
  return { cif: cleaned };
}
