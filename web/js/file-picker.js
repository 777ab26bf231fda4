// A file picker whose text is Romanian whatever the browser's language: the native input (its
// "Choose file / No file chosen" follows the browser) is visually hidden but stays in the tab
// order; a label styled as a button says "Alegeți fișierul" and a line shows the chosen name.
import { html } from "./dom.js";

export const NO_FILE = "Niciun fișier ales";

/** The picker's markup, after the field's own <label for="${id}">; `describedBy` adds ids (e.g.
 *  the error line). The button-like label adds "Alegeți fișierul" to the input's name. */
export function filePicker({ id, accept, describedBy = "" }) {
  return html`
    <span class="alegere-fisier">
      <input id="${id}" type="file" class="ascuns" accept="${accept}"
        aria-describedby="${`nume-${id} ${describedBy}`.trim()}">
      <label for="${id}" class="buton secundar contur buton-fisier">Alegeți fișierul</label>
      <span class="nume-fisier" id="nume-${id}" data-fisier-ales>${NO_FILE}</span>
    </span>`;
}

/** Keep the shown name in step with the input (after a choice, and after the form clears it). */
export function showChosenFile(input) {
  const shown = input.parentElement?.querySelector("[data-fisier-ales]");
  if (shown) shown.textContent = input.files?.[0]?.name ?? NO_FILE;
}

export function mountFilePicker(input) {
  input?.addEventListener("change", () => showChosenFile(input));
}
