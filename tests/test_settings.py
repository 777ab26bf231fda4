"""Settings: built once from the environment, failing fast and clearly when it is incomplete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.settings import SettingsError, environment_variables, load_settings
from local.environment import LocalPorts, local_environment

ROOT = Path(__file__).resolve().parent.parent


def test_the_local_environment_describes_a_complete_deployment():
    # GIVEN the embedded local defaults WHEN they are loaded THEN every setting has a value
    settings = load_settings(local_environment(LocalPorts()))
    assert settings.stage == "local"
    assert settings.aws_endpoint_url == "http://127.0.0.1:5000"
    assert settings.anaf_api_url == "http://127.0.0.1:8010/prod/FCTEL/rest"
    assert settings.public_url == "http://127.0.0.1:8000"


def test_a_missing_variable_fails_fast_naming_every_missing_one():
    environ = local_environment(LocalPorts())
    del environ["ARHIVAR_ARCHIVE_BUCKET"]
    environ["ARHIVAR_SYNC_QUEUE"] = "   "
    with pytest.raises(SettingsError) as failure:
        load_settings(environ)
    message = str(failure.value)
    assert "ARHIVAR_ARCHIVE_BUCKET is not set" in message
    assert "ARHIVAR_SYNC_QUEUE is not set" in message


def test_a_malformed_url_is_refused():
    environ = {**local_environment(LocalPorts()), "ARHIVAR_ANAF_API_URL": "api.anaf.ro/prod"}
    with pytest.raises(SettingsError, match=re.escape("ARHIVAR_ANAF_API_URL='api.anaf.ro/prod' is not an http")):
        load_settings(environ)


def test_in_aws_the_endpoint_is_optional_and_urls_lose_trailing_slashes():
    environ = local_environment(LocalPorts())
    del environ["AWS_ENDPOINT_URL"]
    environ["ARHIVAR_ANAF_API_URL"] = "https://api.anaf.ro/prod/FCTEL/rest/"
    settings = load_settings(environ)
    assert settings.aws_endpoint_url is None
    assert settings.anaf_api_url == "https://api.anaf.ro/prod/FCTEL/rest"


def test_settings_are_frozen():
    settings = load_settings(local_environment(LocalPorts()))
    with pytest.raises(AttributeError):
        settings.stage = "prod"  # type: ignore[misc]


def test_no_module_but_settings_reads_the_environment():
    # The application code (app.py, chalicelib/, functions/) gets configuration only from Settings.
    offenders = []
    for path in [ROOT / "app.py", *ROOT.glob("chalicelib/**/*.py"), *ROOT.glob("functions/**/*.py")]:
        if path.name == "settings.py":
            continue
        if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_readme_documents_every_variable():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = [v for v in environment_variables().values() if v not in readme]
    assert undocumented == []


# Variables that libraries read, not Arhivar's code: the AWS SDK's, moto's, powertools' log level.
READ_BY_LIBRARIES = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                               "AWS_DEFAULT_REGION", "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP",
                               "POWERTOOLS_LOG_LEVEL"})


def test_every_variable_the_local_stack_sets_has_a_reader():
    # GIVEN the code that could read a variable (besides the settings, which read their own)
    readers = "\n".join(path.read_text() for folder in ("chalicelib", "functions", "local", "infra")
                        for path in (ROOT / folder).rglob("*.py") if path != ROOT / "local/environment.py")
    # THEN every variable of the local environment is a setting, a library's, or read by name
    unread = [variable for variable in local_environment(LocalPorts())
              if variable not in set(environment_variables().values()) | READ_BY_LIBRARIES
              and f'"{variable}"' not in readers]
    assert unread == []
