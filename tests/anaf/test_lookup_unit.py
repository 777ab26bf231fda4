"""Public company lookup: batches of at most 100 CUIs, at least 1 s apart (fake clock)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import responses

from chalicelib.anaf import errors
from chalicelib.anaf.lookup import CompanyLookup

PUBLIC = "https://webservicesp.example.test"
URL = PUBLIC + "/api/PlatitorTvaRest/v9/tva"


def record(cui: int) -> dict:
    return {"date_generale": {"cui": cui, "denumire": f"FIRMA {cui} SRL", "adresa": "X",
                              "nrRegCom": "J1", "stare_inregistrare": "INREGISTRAT",
                              "statusRO_e_Factura": True},
            "inregistrare_scop_Tva": {"scpTVA": False}, "stare_inactiv": {"statusInactivi": False}}


def echo(request):
    asked = json.loads(request.body)
    found = [record(item["cui"]) for item in asked if item["cui"] % 2 == 0]
    missing = [item["cui"] for item in asked if item["cui"] % 2]
    return 200, {}, json.dumps({"found": found, "notFound": missing})


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_large_lookups_are_batched_and_spaced(make_http, fake_clock, mocked):
    # GIVEN 250 CUIs (one duplicate, one with an RO prefix)
    mocked.add_callback(responses.POST, URL, callback=echo)
    lookup = CompanyLookup(make_http(), public_url=PUBLIC)
    cuis = [str(n) for n in range(1000, 1250)] + ["RO1000"]
    started = fake_clock.monotonic()
    # WHEN looked up
    result = lookup.lookup(cuis, on=date(2026, 7, 15))
    # THEN three requests of at most 100, each at least 1 s after the previous one
    bodies = [json.loads(c.request.body) for c in mocked.calls]
    assert [len(b) for b in bodies] == [100, 100, 50]
    assert bodies[0][0] == {"cui": 1000, "data": "2026-07-15"}
    assert fake_clock.sleeps == [1.0, 1.0]
    assert fake_clock.monotonic() - started >= 2.0
    assert len(result.found) == 125 and len(result.not_found) == 125
    assert result.found[0].name == "FIRMA 1000 SRL"


def test_spacing_holds_across_calls_and_counts_elapsed_time(make_http, fake_clock, mocked):
    mocked.add_callback(responses.POST, URL, callback=echo)
    lookup = CompanyLookup(make_http(), public_url=PUBLIC)
    lookup.lookup_one(8486152)
    fake_clock.advance(0.4)
    lookup.lookup_one("34581626")
    assert fake_clock.sleeps == [pytest.approx(0.6)]


def test_missing_company_is_none(make_http, mocked):
    mocked.add_callback(responses.POST, URL, callback=echo)
    assert CompanyLookup(make_http(), public_url=PUBLIC).lookup_one(1001) is None


@pytest.mark.parametrize(("status", "body", "expected"), [
    (200, "<html><body>The requested URL was rejected. Your support ID is: 7</body></html>",
     errors.AnafWafRejected),
    (404, "<html><body>Mentenanta sistem</body></html>", errors.AnafMaintenance),
    (200, "not json", errors.AnafUnexpectedResponse),
])
def test_lookup_failures(make_http, mocked, status, body, expected):
    mocked.post(URL, status=status, body=body)
    with pytest.raises(expected):
        CompanyLookup(make_http(), public_url=PUBLIC).lookup_one(8486152)


def test_lookup_retries_are_spaced_by_at_least_a_second(make_http, fake_clock, mocked):
    mocked.post(URL, status=503)
    mocked.add_callback(responses.POST, URL, callback=echo)
    CompanyLookup(make_http(), public_url=PUBLIC).lookup_one(8486152)
    assert len(mocked.calls) == 2 and fake_clock.sleeps[0] >= 1.0


@pytest.mark.parametrize("bad", ["", "RO", "12a", "12345678901"])
def test_malformed_cuis_are_refused_before_calling(make_http, mocked, bad):
    with pytest.raises(ValueError, match="not a CUI"):
        CompanyLookup(make_http(), public_url=PUBLIC).lookup([bad])
    assert len(mocked.calls) == 0
