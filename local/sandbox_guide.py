"""What `make run` prints about the ANAF sandbox, so a newcomer can click through the product
without reading the sandbox's admin API: the companies in SPV (CIF, name) and the certificates
the sandbox's ANAF page offers (holder, serial, the CIFs each has SPV rights on).

Built from the sandbox's own `GET /__sandbox/world`, so it is always the running world's data.
"""

from __future__ import annotations

from typing import Any


def sandbox_guide(world: dict[str, Any]) -> str:
    """The banner's sandbox part, from the JSON of `GET /__sandbox/world`."""
    names = {c["cif"]: c["name"] for c in world["companies"]}
    certificates = world["certificates"]
    holders = {cif: [c["holder"] for c in certificates if cif in c["cifs"]] for cif in names}
    cif_width = max((len(cif) for cif in names), default=3)
    name_width = max((len(name) for name in names.values()), default=8)
    holder_width = max((len(c["holder"]) for c in certificates), default=7)
    lines = [
        f"Sandbox ANAF (seed {world['seed']}). Companii în SPV: adăugați una după CIF în „Companii”,",
        "apoi „Autorizează” și alegeți la ANAF un certificat care o acoperă (orice PIN):",
    ]
    for cif, name in names.items():
        lines.append(f"  {cif:<{cif_width}}  {name:<{name_width}}  certificate: {', '.join(holders[cif]) or '—'}")
    lines.append("Certificate (titular, serie, companii cu drept SPV):")
    for certificate in certificates:
        cifs = certificate["cifs"]
        covered = ", ".join(cifs) if cifs else "niciuna (arată refuzul „fără drept SPV”)"
        lines.append(f"  {certificate['holder']:<{holder_width}}  {certificate['serial']}  {covered}")
    lines.append("Un certificat care acoperă mai multe companii le autorizează pe celelalte dintr-un clic:")
    lines.append("„Autorizează cu certificatul existent” (ANAF confirmă dreptul pentru fiecare).")
    delay = world.get("processing_delay_s") or 0
    lines.append(f"Încărcările (de ex. mesajele către furnizori) rămân „in prelucrare” {delay:g} s "
                 "(ARHIVAR_SANDBOX_PROCESSING_DELAY_S; pe loc: POST /__sandbox/settings).")
    return "\n".join(lines)
