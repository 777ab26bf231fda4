// Safe HTML rendering. `html` is a tagged template that escapes every interpolated value unless
// it is itself the result of `html` (or of `trusted`), so API data — company names come from
// third parties — can never become markup by accident. Only `setHtml` writes to innerHTML.
export class SafeHtml {
  constructor(text) {
    this.text = text;
  }

  toString() {
    return this.text;
  }
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function piece(value) {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(piece).join("");
  return escapeHtml(value);
}

export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += piece(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

/** Markup written by us (never API data), e.g. a constant fragment. */
export function trusted(text) {
  return new SafeHtml(text);
}

export function setHtml(element, content) {
  if (!(content instanceof SafeHtml)) throw new TypeError("setHtml needs html`…` content");
  element.innerHTML = content.text;
}

/** A message box inside a live region: kind is "eroare", "succes", "info" or "avertisment". */
export function showMessage(region, kind, content) {
  if (!region) return;
  if (!content) {
    region.replaceChildren();
    return;
  }
  setHtml(region, html`<p class="mesaj ${kind}">${content}</p>`);
}

/** Disable a button and show progress text while `work` runs; restore afterwards. */
export async function withProgress(button, busyLabel, work) {
  const label = button.innerHTML; // our own markup (e.g. a visually hidden suffix), restored as is
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = busyLabel;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.innerHTML = label;
  }
}

/** Mark a field invalid (or valid again) and tie it to its error text for screen readers. */
export function fieldError(input, errorElement, message) {
  if (message) {
    errorElement.textContent = message;
    errorElement.hidden = false;
    input.setAttribute("aria-invalid", "true");
  } else {
    errorElement.textContent = "";
    errorElement.hidden = true;
    input.removeAttribute("aria-invalid");
  }
}

/**
 * A modal confirmation built on <dialog> (native focus trap and Escape). Resolves to true when
 * the person confirms.
 */
export function confirmDialog({ title, body, confirmLabel, danger = false }) {
  const dialog = document.createElement("dialog");
  dialog.className = "dialog";
  dialog.setAttribute("aria-labelledby", "dialog-titlu");
  setHtml(dialog, html`
    <h2 id="dialog-titlu">${title}</h2>
    <div class="dialog-corp">${body}</div>
    <div class="butoane">
      <button type="button" class="buton secundar contur" value="nu">Anulează</button>
      <button type="button" class="buton ${danger ? "pericol" : ""}" value="da">${confirmLabel}</button>
    </div>`);
  document.body.append(dialog);
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      opener?.focus?.();
      resolve(answer);
    };
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    for (const button of dialog.querySelectorAll("button")) {
      button.addEventListener("click", () => finish(button.value === "da"));
    }
    dialog.showModal();
    dialog.querySelector('button[value="nu"]').focus();
  });
}
