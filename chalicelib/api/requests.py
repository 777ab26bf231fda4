"""Request bodies: size-limited, parsed as JSON and validated against the schema the OpenAPI
description declares for the route, so the documentation and the checks cannot differ.

A schema may carry `x-message-ro`: the Romanian message shown when a value fails it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from chalicelib.domain.errors import PayloadTooLarge, ValidationFailed

MAX_BODY_BYTES = 16 * 1024
MAX_DEPTH = 32  # our bodies nest 3 levels; deeper JSON would only exercise the recursion limit
OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.json"


class InvalidRequest(ValidationFailed):
    code = "invalid_request"


@functools.cache
def openapi_document() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator(schema_name: str) -> Draft202012Validator:
    components = openapi_document()["components"]
    if schema_name not in components["schemas"]:
        raise KeyError(f"no schema {schema_name!r} in openapi.json")
    return Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}",
                                 "components": components})


def parse_body(raw: bytes | None, schema_name: str) -> dict[str, Any]:
    raw = raw or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Cererea depășește {MAX_BODY_BYTES // 1024} KB.")
    text = _text(raw)
    if _nesting(text) > MAX_DEPTH:
        raise InvalidRequest(f"Cererea are prea multe niveluri (cel mult {MAX_DEPTH}).")
    try:
        data = json.loads(text, parse_constant=_refuse_constant) if text.strip() else None
    except (ValueError, RecursionError) as error:
        raise InvalidRequest("Cererea nu este un document JSON valid.") from error
    if not _encodable(data):
        raise InvalidRequest("Cererea conține caractere care nu sunt valide.")
    problem = best_match(_validator(schema_name).iter_errors(data))
    if problem is not None:
        raise InvalidRequest(_message(problem), details={"field": _field(problem)})
    assert isinstance(data, dict), f"{schema_name} is not an object schema"  # every request body is one
    return data


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidRequest("Cererea nu este un document JSON valid.") from error


def _nesting(text: str) -> int:
    """The deepest nesting of arrays/objects, counted without recursion (brackets inside
    strings are skipped), so a hostile body never reaches the parser's recursion limit."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity, -Infinity


def _encodable(data: Any) -> bool:
    """No lone surrogates ("\\ud800") anywhere: they cannot be stored or sent as UTF-8."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _field(error: ValidationError) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        path.append(error.message.split("'")[1])
    if error.validator == "additionalProperties":
        # jsonschema types the instance and schema as possibly unset; for this keyword they are
        # the JSON object and its (object) schema.
        instance = error.instance if isinstance(error.instance, dict) else {}
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        path.append(extra[0] if extra else "")
    return ".".join(path)


def _message(error: ValidationError) -> str:
    field = _field(error)
    if error.validator == "required":
        return f"Câmpul „{field}” este obligatoriu."
    if error.validator == "additionalProperties":
        return f"Câmpul „{field}” nu este permis."
    if isinstance(error.schema, dict) and "x-message-ro" in error.schema:
        return error.schema["x-message-ro"]
    if not field:
        return "Cererea trebuie să fie un obiect JSON."
    return f"Valoarea câmpului „{field}” nu este validă."
