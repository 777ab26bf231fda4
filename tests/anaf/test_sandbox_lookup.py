"""Public company lookup (v9) against the sandbox, which enforces 100 CUIs and 1 request/s."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from chalicelib.anaf import errors
from chalicelib.anaf.http import AnafHttp
from chalicelib.anaf.lookup import CompanyLookup

from .conftest import SandboxTime

LOOKUP = "/api/PlatitorTvaRest/v9/tva"


@pytest.fixture
def lookup(sb, settings_for_sandbox):
    # real sleeps: the sandbox measures the 1 s spacing on its own (real-time) clock
    transport = AnafHttp(clock=SandboxTime(sb, real_sleep=True))
    yield CompanyLookup.from_settings(settings_for_sandbox, transport)
    transport.close()


def test_seeded_companies_are_found_with_their_public_data(sb, lookup, world):
    companies = world["companies"][:3]
    result = lookup.lookup([c["cif"] for c in companies], on=date(2026, 7, 15))
    by_cif = {c.cif: c for c in result.found}
    assert set(by_cif) == {c["cif"] for c in companies}
    for company in companies:
        record = by_cif[company["cif"]]
        assert record.name == company["name"].upper()
        assert record.registration_number == company["reg_com"]
        assert record.vat_payer is company["vat_payer"]
        assert record.efactura_registered is True
        assert not record.inactive and not record.radiated
        assert record.raw["date_generale"]["data"] == "2026-07-15"
    assert result.not_found == ()


def test_unknown_cui_is_not_found(sb, lookup):
    result = lookup.lookup(["RO14399840"])
    assert result.found == () and result.not_found == ("14399840",)
    assert lookup.lookup_one("14399840") is None


def test_more_than_100_cuis_are_split_and_spaced(sb, lookup, world, caplog):
    # GIVEN 150 CUIs (40 real companies, 110 unknown)
    caplog.set_level(logging.INFO)
    known = [c["cif"] for c in world["companies"] + world["partners"]]
    cuis = known + [str(10_000_000 + n) for n in range(150 - len(known))]
    # WHEN looked up
    result = lookup.lookup(cuis)
    # THEN all are answered, in two requests, the second one not refused for being too early
    assert len(result.found) == len(known)
    assert len(result.not_found) == 150 - len(known)
    statuses = [r.anaf_status for r in caplog.records if getattr(r, "anaf_path", "") == LOOKUP]
    assert statuses == [200, 200]


def test_back_to_back_lookups_respect_one_second(sb, lookup, world, caplog):
    caplog.set_level(logging.INFO)
    for company in world["companies"][:3]:
        assert lookup.lookup_one(company["cif"]) is not None
    statuses = [r.anaf_status for r in caplog.records if getattr(r, "anaf_path", "") == LOOKUP]
    assert statuses == [200, 200, 200]


def test_lookup_behind_the_waf(sb, lookup, world):
    sb.add_fault("waf", path=LOOKUP, count=1)
    with pytest.raises(errors.AnafWafRejected):
        lookup.lookup_one(world["companies"][0]["cif"])


def test_lookup_in_maintenance(sb, lookup, world):
    sb.add_fault("maintenance", path=LOOKUP, count=1, status=404)
    with pytest.raises(errors.AnafMaintenance):
        lookup.lookup_one(world["companies"][0]["cif"])
