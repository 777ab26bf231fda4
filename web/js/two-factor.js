// Two-factor login in the web app: the "Autentificare în doi pași" card of "Contul meu"
// (enrolment with a QR code, recovery codes shown once, turning it off), and on a company's page
// the owners' setting "2FA obligatoriu pentru membri" and the explanation members get.
import { api, SESSION_EXPIRED } from "./api.js";
import { html, setHtml, showMessage, trusted, withProgress } from "./dom.js";
import { dateTime } from "./format.js";
import qrcode from "./vendor/qrcode.js";

/** The otpauth:// link as an SVG QR code (drawn here: the secret goes to no other service). */
function qrCode(uri) {
  const qr = qrcode(0, "M");
  qr.addData(uri);
  qr.make();
  return trusted(qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true }));
}

function requiredNote(cifs) {
  if (!cifs.length) return "";
  const links = cifs.map((cif, i) => html`${i ? ", " : ""}<a href="/companii/${cif}" data-link>${cif}</a>`);
  return html`<p class="mesaj avertisment" id="nota-2fa-obligatoriu">Autentificarea în doi pași este
    obligatorie pentru membrii companiilor cu CIF-ul ${links}.</p>`;
}

function offView(status) {
  return html`
    <p id="stare-2fa-text"><strong>Dezactivată.</strong> Cu autentificarea în doi pași, la intrarea
      în cont vi se cere, pe lângă parolă, un cod de 6 cifre din aplicația de autentificare de pe
      telefon (de exemplu Google Authenticator, Microsoft Authenticator sau Aegis).</p>
    ${requiredNote(status.required_by)}
    <button type="button" class="buton" id="activeaza-2fa">Activează autentificarea în doi pași</button>`;
}

function enrolView(enrolment) {
  return html`
    <ol class="pasi-2fa">
      <li>Deschideți aplicația de autentificare de pe telefon și scanați acest cod QR:
        <figure class="cod-qr" role="img" aria-label="Codul QR pentru aplicația de autentificare">
          ${qrCode(enrolment.otpauth_uri)}</figure></li>
      <li>Dacă nu puteți scana, adăugați manual cheia:
        <code id="cheie-2fa" class="cheie">${enrolment.secret}</code></li>
      <li>Introduceți codul de 6 cifre afișat acum de aplicație:
        <form id="formular-activare-2fa" class="formular-lat" novalidate>
          <label for="cod-activare">Codul din aplicație</label>
          <input id="cod-activare" type="text" inputmode="numeric" autocomplete="one-time-code"
                 maxlength="6" required>
          <div class="butoane">
            <button type="button" class="buton secundar contur" id="renunta-2fa">Renunță</button>
            <button type="submit" class="buton">Confirmă și activează</button>
          </div>
        </form></li>
    </ol>`;
}

function codesView(codes, intro) {
  return html`
    <p class="mesaj succes">${intro}</p>
    <h3 id="titlu-coduri">Coduri de recuperare</h3>
    <p>Dacă pierdeți telefonul, intrați în cont cu unul dintre aceste coduri în locul codului din
      aplicație. <strong>Fiecare cod funcționează o singură dată.</strong> Păstrați-le într-un loc
      sigur (tipărite sau într-un manager de parole): nu le vom mai afișa.</p>
    <ol id="coduri-recuperare" class="coduri" aria-labelledby="titlu-coduri">
      ${codes.map((code) => html`<li><code>${code}</code></li>`)}</ol>
    <button type="button" class="buton" id="coduri-salvate">Am salvat codurile</button>`;
}

function onView(status) {
  return html`
    <p id="stare-2fa-text"><strong>Activă</strong>${status.enabled_at
      ? html` din ${dateTime(status.enabled_at)}` : ""}. Coduri de recuperare nefolosite:
      <strong id="coduri-ramase">${status.recovery_codes_left}</strong>.${status.recovery_code_last_used_at
        ? html` <span id="ultimul-cod-folosit">Ultimul cod de recuperare a fost folosit la
          ${dateTime(status.recovery_code_last_used_at)}; dacă nu ați fost dumneavoastră, schimbați
          parola și generați coduri noi.</span>` : ""}</p>
    ${requiredNote(status.required_by)}
    <form id="formular-2fa" class="formular-lat" novalidate>
      <p class="nota">Pentru a dezactiva autentificarea în doi pași sau pentru coduri de recuperare
        noi, confirmați cu parola și cu un cod din aplicație (sau un cod de recuperare).</p>
      <label for="parola-2fa">Parola</label>
      <input id="parola-2fa" type="password" autocomplete="current-password" required>
      <label for="cod-2fa">Codul din aplicație sau un cod de recuperare</label>
      <input id="cod-2fa" type="text" autocomplete="one-time-code" maxlength="32" required>
      <div class="butoane">
        <button type="button" class="buton secundar contur" id="coduri-noi">Generează coduri de recuperare noi</button>
        ${status.required_by.length ? "" : html`<button type="submit" class="buton pericol"
          id="dezactiveaza-2fa">Dezactivează</button>`}
      </div>
    </form>`;
}

/** The card of "Contul meu"; `box` is its content element, `region` its message area. */
export function mountAccountTwoFactor(box, region, ctx) {
  const failed = (error) => {
    if (error.code !== SESSION_EXPIRED && ctx.current()) showMessage(region, "eroare", error.message);
  };

  async function load() {
    try {
      const status = await api("/account/two-factor");
      if (!ctx.current()) return;
      box.removeAttribute("aria-busy");
      if (status.enabled) showOn(status);
      else showOff(status);
    } catch (error) {
      failed(error);
    }
  }

  function showOff(status) {
    setHtml(box, offView(status));
    const start = box.querySelector("#activeaza-2fa");
    start.addEventListener("click", () => withProgress(start, "Se pregătește…", async () => {
      try {
        showMessage(region, null);
        showEnrol(await api("/account/two-factor/setup", { method: "POST" }));
      } catch (error) {
        failed(error);
      }
    }));
  }

  function showEnrol(enrolment) {
    if (!ctx.current()) return;
    setHtml(box, enrolView(enrolment));
    const form = box.querySelector("#formular-activare-2fa");
    const code = form.querySelector("#cod-activare");
    code.focus();
    box.querySelector("#renunta-2fa").addEventListener("click", () => {
      showMessage(region, null);
      load();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!/^\s*\d{6}\s*$/.test(code.value)) {
        showMessage(region, "eroare", "Codul din aplicație are 6 cifre.");
        code.focus();
        return;
      }
      await withProgress(form.querySelector("button[type=submit]"), "Se verifică…", async () => {
        try {
          const { recovery_codes: codes } = await api("/account/two-factor/confirm", {
            method: "POST", body: { code: code.value.trim() },
          });
          showMessage(region, null);
          showCodes(codes, "Autentificarea în doi pași este activă.");
        } catch (error) {
          failed(error);
          code.select();
          code.focus();
        }
      });
    });
  }

  function showCodes(codes, intro) {
    if (!ctx.current()) return;
    setHtml(box, codesView(codes, intro));
    const saved = box.querySelector("#coduri-salvate");
    saved.focus();
    saved.addEventListener("click", load);
  }

  function showOn(status) {
    setHtml(box, onView(status));
    const form = box.querySelector("#formular-2fa");
    const password = form.querySelector("#parola-2fa");
    const code = form.querySelector("#cod-2fa");
    const proof = () => {
      if (!password.value || !code.value.trim()) {
        showMessage(region, "eroare", "Introduceți parola și codul din aplicație (sau un cod de recuperare).");
        (password.value ? code : password).focus();
        return null;
      }
      return { password: password.value, code: code.value.trim() };
    };
    const renew = form.querySelector("#coduri-noi");
    renew.addEventListener("click", () => {
      const body = proof();
      if (body) withProgress(renew, "Se generează…", async () => {
        try {
          const { recovery_codes: codes } = await api("/account/two-factor/recovery-codes", { method: "POST", body });
          showMessage(region, null);
          showCodes(codes, "Codurile de recuperare de mai jos le înlocuiesc pe cele vechi, care nu mai funcționează.");
        } catch (error) {
          failed(error);
        }
      });
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = proof();
      if (!body) return;
      await withProgress(form.querySelector("button[type=submit]"), "Se dezactivează…", async () => {
        try {
          await api("/account/two-factor", { method: "DELETE", body });
          showMessage(region, "succes", "Autentificarea în doi pași a fost dezactivată.");
          await load();
        } catch (error) {
          failed(error);
        }
      });
    });
  }

  load();
}

// -- a company's page ---------------------------------------------------------------------------

/** What a member without two-factor login sees instead of a company that requires it. */
export function twoFactorRequiredView(message) {
  return html`
    <p class="firimituri"><a href="/companii" data-link>← Companii</a></p>
    <h1>Este necesară autentificarea în doi pași</h1>
    <div role="alert"><p class="mesaj avertisment" id="mesaj-2fa-obligatoriu">${message}</p></div>
    <p>Proprietarii acestei companii au hotărât ca fiecare membru să intre în cont cu parola și cu
      un cod din aplicația de autentificare de pe telefon. Activarea durează un minut.</p>
    <p><a class="buton" href="/cont" data-link id="link-activare-2fa">Activează autentificarea în doi pași</a></p>`;
}

export function companySecuritySection() {
  return html`
    <section class="card" aria-labelledby="titlu-securitate">
      <h2 id="titlu-securitate">Securitate</h2>
      <div id="mesaj-securitate" class="mesaje" role="status"></div>
      <label class="bifa"><input type="checkbox" id="obligatoriu-2fa" disabled>
        2FA obligatoriu pentru membri</label>
      <p class="nota">Membrii fără autentificare în doi pași nu mai văd datele companiei până nu o
        activează din „Contul meu”. Pentru a o cere celorlalți, trebuie să o aveți activă și
        dumneavoastră.</p>
    </section>`;
}

/** The owners' checkbox: loads the setting, saves each change. */
export async function mountCompanySecurity(box, ctx, path) {
  const toggle = box.querySelector("#obligatoriu-2fa");
  if (!toggle) return; // not an owner: the section is not there
  const region = box.querySelector("#mesaj-securitate");
  const failed = (error) => {
    if (error.code !== SESSION_EXPIRED && ctx.current()) showMessage(region, "eroare", error.message);
  };
  try {
    const { two_factor_required: required } = await api(`${path}/security`);
    if (!ctx.current()) return;
    toggle.checked = required;
    toggle.disabled = false;
  } catch (error) {
    failed(error);
    return;
  }
  toggle.addEventListener("change", async () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    try {
      const { two_factor_required: now } = await api(`${path}/security`, {
        method: "PUT", body: { two_factor_required: wanted },
      });
      toggle.checked = now;
      showMessage(region, "succes", now
        ? "De acum, autentificarea în doi pași este obligatorie pentru toți membrii."
        : "Autentificarea în doi pași nu mai este obligatorie pentru membri.");
    } catch (error) {
      toggle.checked = !wanted;
      failed(error);
    } finally {
      toggle.disabled = false;
    }
  });
}
