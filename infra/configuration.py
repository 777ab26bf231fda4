"""The deployment's Settings, built from CDK resources, and the environment every function gets.

The same `chalicelib.settings.Settings` the code reads at cold start: every field is filled
here (names of CDK resources are CloudFormation tokens), and `function_environment` maps it to
variables through `environment_variables()`, so a new setting cannot be forgotten: building
`Settings` fails until infra supplies it.
"""

from __future__ import annotations

import dataclasses

from chalicelib.settings import Settings, environment_variables

# Lambda sets these itself and refuses them in a function's configuration.
LAMBDA_RESERVED = frozenset({"AWS_REGION"})


def build_settings(values: dict[str, str | None]) -> Settings:
    missing = {f.name for f in dataclasses.fields(Settings)} - set(values)
    if missing:
        raise KeyError(f"infra does not supply these settings: {sorted(missing)}")
    return Settings(**values)  # type: ignore[arg-type]


def function_environment(settings: Settings) -> dict[str, str]:
    environment = {}
    for field, variable in environment_variables().items():
        value = getattr(settings, field)
        if variable in LAMBDA_RESERVED or value is None:
            continue
        environment[variable] = str(value)
    return environment
