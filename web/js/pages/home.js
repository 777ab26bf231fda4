// Prima pagină: what Arhivar does and the steps to start.
import { html } from "../dom.js";
import { isSignedIn } from "../session.js";

export default {
  title: "Arhivar",
  render: () => html`
    <h1>Facturile din SPV, păstrate 10 ani</h1>
    <p class="introducere">ANAF păstrează fiecare factură în SPV doar 60 de zile; legea cere păstrarea
       ei 10 ani. Arhivar descarcă automat facturile primite și trimise ale companiilor dumneavoastră,
       păstrează originalul semnat și vă arată un PDF ușor de citit.</p>
    <ol class="pasi">
      <li>Creați un cont cu adresa de e-mail.</li>
      <li>Adăugați companiile după CIF.</li>
      <li>Autorizați fiecare companie la ANAF cu certificatul digital.</li>
      <li>Găsiți și descărcați oricând documentele.</li>
    </ol>
    <p class="butoane">${isSignedIn()
      ? html`<a class="buton" href="/companii" data-link>Mergi la companii</a>`
      : html`<a class="buton" href="/inregistrare" data-link>Creează un cont nou</a>
             <a class="buton secundar contur" href="/autentificare" data-link>Intră în cont</a>`}</p>
    <p>Aveți doar un fișier de la ANAF? <a href="/vizualizare" data-link>Vizualizează o factură</a>
       fără cont: factura ușor de citit, semnătura verificată și PDF-ul.</p>`,
};
