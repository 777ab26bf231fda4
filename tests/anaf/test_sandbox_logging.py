"""No token, client secret or authorisation code ever reaches the logs (or error texts)."""

from __future__ import annotations

import base64
import logging

import pytest
from aws_lambda_powertools import Logger

from chalicelib.anaf import errors
from chalicelib.anaf.efactura import EFacturaClient

LIST = "/prod/FCTEL/rest/listaMesajeFactura"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def everything_logged(caplog):
    """Every log record (ours, requests', urllib3's) at DEBUG; the logger's state is restored."""
    app_logger = logging.getLogger("arhivar")
    saved = dict(vars(app_logger), handlers=list(app_logger.handlers))
    collect = Collect()
    for name in ("", "arhivar", "urllib3", "requests"):
        logging.getLogger(name).addHandler(collect)
    caplog.set_level(logging.DEBUG)
    ours = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
            if name.startswith("arhivar.") or name in ("urllib3", "requests")]
    levels = [(one, one.level) for one in ours]
    for one in ours:
        one.setLevel(logging.DEBUG)
    yield collect
    for one, level in levels:
        one.setLevel(level)
    for name in ("", "arhivar", "urllib3", "requests"):
        logging.getLogger(name).removeHandler(collect)
    vars(app_logger).clear()
    vars(app_logger).update(saved)


def test_no_secret_appears_in_any_log(sb, oauth, http, settings_for_sandbox, accountant,
                                      everything_logged, caplog, capsys):
    # the parent logger the Lambda handlers create (JSON lines on stdout, captured by capsys)
    Logger(service="arhivar", level="DEBUG")
    secrets: list[str] = [sb.client_secret,
                          base64.b64encode(f"{sb.client_id}:{sb.client_secret}".encode()).decode()]
    raised: list[str] = []
    # GIVEN a full OAuth life: login, exchange, refresh, API calls (with a retry), a failed refresh
    code = sb.authorize(accountant["serial"])
    secrets.append(code)
    first = oauth.exchange_code(code)
    second = oauth.refresh(first.refresh_token, lambda pair: None)
    secrets += [first.access_token, first.refresh_token, second.access_token, second.refresh_token]
    client = EFacturaClient.from_settings(settings_for_sandbox, http, second.access_token)
    sb.add_fault("status", path=LIST, count=1, status=503)
    listing = client.list_messages(accountant["cifs"][0], 60)
    client.download(listing.messages[0].id)
    for failing in (lambda: oauth.refresh(first.refresh_token, lambda pair: None),
                    lambda: oauth.exchange_code(code),
                    lambda: EFacturaClient.from_settings(settings_for_sandbox, http,
                                                         first.access_token + "x").list_messages(
                        accountant["cifs"][0], 1)):
        with pytest.raises(errors.AnafError) as caught:
            failing()
        raised += [str(caught.value), repr(caught.value)]
    raised += [repr(first), repr(second), repr(oauth), repr(client)]

    # WHEN we gather everything that was logged or could be logged
    records = everything_logged.records + caplog.records
    output = capsys.readouterr()
    text = "\n".join([output.out, output.err, *raised,
                      *(r.getMessage() + repr(vars(r)) for r in records)])

    # THEN the calls were logged (method, path, status, attempt) …
    ours = [r for r in records if getattr(r, "anaf_path", None)]
    assert any(r.anaf_path.endswith("/token") for r in ours)
    assert any(r.anaf_path == LIST and r.anaf_status == 503 and r.anaf_attempt == 1 for r in ours)
    assert '"anaf_path"' in output.out            # powertools JSON lines reached stdout
    # … and no secret appears anywhere, not even a part of a JWT
    for secret in secrets:
        assert secret not in text
        for part in secret.split("."):
            if len(part) > 16:
                assert part not in text
    assert "Authorization" not in text and "Bearer ey" not in text and "Basic " not in text
