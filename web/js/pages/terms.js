// Termeni și condiții. The version shown is the one the API records at sign-up (GET /api/terms).
import { html } from "../dom.js";
import { loadTerms } from "../password.js";

export default {
  title: "Termeni și condiții",
  render: () => html`
    <article class="card document-legal" aria-labelledby="titlu-termeni">
      <h1 id="titlu-termeni">Termeni și condiții</h1>
      <p class="nota" id="versiune-termeni" aria-live="polite">Versiunea: se încarcă…</p>

      <nav class="cuprins" aria-label="Cuprins">
        <ol>
          <li><a href="#t-serviciu">Ce este Arhivar</a></li>
          <li><a href="#t-cont">Contul</a></li>
          <li><a href="#t-anaf">Autorizarea la ANAF</a></li>
          <li><a href="#t-arhivare">Arhivarea și păstrarea documentelor</a></li>
          <li><a href="#t-acces">Companii, roluri și acces</a></li>
          <li><a href="#t-date">Prelucrarea datelor personale</a></li>
          <li><a href="#t-obligatii">Obligațiile utilizatorului</a></li>
          <li><a href="#t-raspundere">Limitarea răspunderii</a></li>
          <li><a href="#t-incetare">Încetarea utilizării și ștergerea contului</a></li>
          <li><a href="#t-modificari">Modificarea termenilor, legea aplicabilă</a></li>
        </ol>
      </nav>

      <h2 id="t-serviciu">1. Ce este Arhivar</h2>
      <p>Arhivar este un serviciu online care descarcă automat, din Spațiul Privat Virtual (SPV) al
         ANAF, facturile electronice primite și trimise prin sistemul național RO e-Factura de
         companiile pe care le adăugați în cont, le păstrează și vă permite să le căutați, să le
         vizualizați și să le descărcați. ANAF păstrează mesajele în SPV doar 60 de zile, în timp ce
         Legea contabilității nr. 82/1991 (art. 25) cere păstrarea documentelor justificative timp de
         10 ani; Arhivar vă ajută să respectați această obligație.</p>

      <h2 id="t-cont">2. Contul</h2>
      <p>Contul se creează cu o adresă de e-mail validă, confirmată printr-un cod trimis pe e-mail, și
         cu o parolă care respectă regulile afișate la înregistrare. Sunteți responsabil de păstrarea
         confidențialității parolei și de toate acțiunile făcute din contul dumneavoastră. Dacă
         bănuiți că altcineva v-a aflat parola, schimbați-o imediat din pagina „Contul meu”.
         Crearea contului presupune acceptarea acestor Termeni și condiții; versiunea acceptată și
         momentul acceptării se înregistrează în cont.</p>

      <h2 id="t-anaf">3. Autorizarea la ANAF</h2>
      <p>Pentru a descărca facturile unei companii, Arhivar are nevoie de autorizarea dată de o
         persoană cu drept de acces în SPV pentru acea companie. Autorizarea se face direct pe
         site-ul ANAF, cu certificatul digital calificat al persoanei respective; Arhivar nu primește
         și nu păstrează niciodată certificatul, cheia privată sau parola acestuia. ANAF emite în
         schimb un acces limitat în timp, pe care Arhivar îl folosește exclusiv pentru a lista și a
         descărca mesajele RO e-Factura ale companiilor autorizate. Autorizarea expiră după perioada
         stabilită de ANAF și poate fi reînnoită sau revocată oricând; fără autorizare valabilă,
         sincronizarea se oprește, iar documentele deja arhivate rămân disponibile.</p>

      <h2 id="t-arhivare">4. Arhivarea și păstrarea documentelor</h2>
      <ul>
        <li>Fiecare document descărcat din SPV (factura XML și semnătura electronică a Ministerului
            Finanțelor) se păstrează în forma originală, nealterată, timp de cel puțin 10 ani de la
            descărcare. Nimeni, inclusiv administratorii serviciului, nu poate modifica sau șterge
            originalele înainte de termen.</li>
        <li>PDF-ul afișat este o reprezentare vizuală generată din XML, pentru lectură; documentul
            cu valoare legală rămâne originalul XML semnat.</li>
        <li>Datele sunt stocate criptat, în centre de date din Uniunea Europeană, cu copii de
            siguranță.</li>
        <li>Arhivar sincronizează periodic fiecare companie autorizată; disponibilitatea depinde și
            de funcționarea serviciilor ANAF, pe care Arhivar nu le controlează.</li>
      </ul>

      <h2 id="t-acces">5. Companii, roluri și acces</h2>
      <p>O companie se adaugă după CIF; datele publice (denumire, adresă, număr de înregistrare,
         situația TVA și RO e-Factura) se preiau din serviciile publice ale ANAF. Accesul la
         documentele unei companii se acordă pe roluri: <strong>proprietar</strong> (administrează
         tot, inclusiv membrii), <strong>administrator</strong> (autorizare, sincronizare, membri
         fără rol de proprietar) și <strong>vizualizare</strong> (vede și descarcă documente).
         Dacă o companie este deja arhivată în contul altcuiva, accesul dumneavoastră rămâne „în
         așteptare” până când dovediți dreptul de acces în SPV prin autorizarea ANAF sau până când
         un administrator al companiei vă invită. Cine invită pe cineva garantează că persoana
         invitată are dreptul să vadă documentele companiei.</p>

      <h2 id="t-date">6. Prelucrarea datelor personale</h2>
      <p>Prelucrăm datele personale în conformitate cu Regulamentul (UE) 2016/679 (GDPR):</p>
      <ul>
        <li><strong>Ce date:</strong> adresa de e-mail, data acceptării termenilor, rolurile în
            companii, jurnalele tehnice de acces, precum și datele personale care apar în facturile
            arhivate (de exemplu numele persoanelor de contact).</li>
        <li><strong>De ce:</strong> pentru furnizarea serviciului (executarea contractului) și pentru
            respectarea obligațiilor legale de arhivare. Pentru datele din facturi, Arhivar acționează
            ca persoană împuternicită a companiei care le-a primit sau emis.</li>
        <li><strong>Cât timp:</strong> datele contului, cât timp contul există; documentele arhivate,
            pe durata obligației legale de păstrare (10 ani).</li>
        <li><strong>Cui le dezvăluim:</strong> doar furnizorilor de infrastructură necesari
            funcționării serviciului, din Uniunea Europeană, și autorităților, când legea o cere. Nu
            vindem date și nu le folosim pentru publicitate.</li>
        <li><strong>Drepturile dumneavoastră:</strong> acces, rectificare, ștergere, restricționare,
            portabilitate și opoziție, în limitele legii, precum și dreptul de a depune o plângere la
            Autoritatea Națională de Supraveghere a Prelucrării Datelor cu Caracter Personal
            (ANSPDCP).</li>
      </ul>

      <h2 id="t-obligatii">7. Obligațiile utilizatorului</h2>
      <ul>
        <li>Adăugați și autorizați doar companii pentru care aveți dreptul legal de a accesa
            documentele fiscale.</li>
        <li>Păstrați datele de autentificare confidențiale și actualizați autorizarea ANAF înainte de
            expirare.</li>
        <li>Verificați periodic că documentele se sincronizează; dacă observați o problemă, ne
            anunțați.</li>
        <li>Nu folosiți serviciul pentru a accesa date ale altor companii fără drept, nu încercați să
            ocoliți măsurile de securitate și nu supraîncărcați serviciul.</li>
      </ul>

      <h2 id="t-raspundere">8. Limitarea răspunderii</h2>
      <p>Depunem toate eforturile rezonabile ca serviciul să fie disponibil, sigur și corect. Arhivar
         nu răspunde pentru indisponibilitatea sau erorile sistemelor ANAF, pentru documente pe care
         ANAF nu le-a pus la dispoziție în SPV sau le-a șters înainte de sincronizare (de exemplu,
         pentru că autorizarea a expirat mai mult de 60 de zile), pentru folosirea contului de către
         persoane cărora le-ați dat acces și nici pentru pierderi indirecte. Arhivar nu oferă
         consultanță contabilă sau fiscală. În măsura permisă de lege, răspunderea totală a
         Arhivar este limitată la sumele plătite pentru serviciu în ultimele 12 luni.</p>

      <h2 id="t-incetare">9. Încetarea utilizării și ștergerea contului</h2>
      <p>Puteți șterge contul oricând din pagina „Contul meu”. Ștergerea contului elimină accesul
         dumneavoastră la toate companiile. Documentele arhivate ale companiilor nu se șterg: ele
         aparțin companiilor și rămân păstrate pe durata legală de 10 ani, iar ceilalți membri își
         păstrează accesul. O companie în care nu mai rămâne niciun membru nu se mai sincronizează.
         Dacă sunteți singurul proprietar al unei companii cu alți membri, numiți mai întâi un alt
         proprietar. Putem suspenda sau închide un cont care încalcă acești termeni, după o
         notificare prealabilă, cu excepția cazurilor urgente de securitate.</p>

      <h2 id="t-modificari">10. Modificarea termenilor, legea aplicabilă</h2>
      <p>Putem modifica acești termeni; versiunea nouă se publică pe această pagină, cu data ei, și
         vă anunțăm din timp modificările importante. Termenii sunt guvernați de legea română;
         eventualele litigii se soluționează pe cale amiabilă sau, în lipsa unui acord, de instanțele
         competente din România.</p>
    </article>`,
  async mount(root, ctx) {
    const version = root.querySelector("#versiune-termeni");
    try {
      const terms = await loadTerms();
      if (ctx.current()) version.textContent = `Versiunea: ${terms.version}`;
    } catch {
      if (ctx.current()) version.textContent = "Versiunea nu poate fi afișată acum.";
    }
  },
};
