"""Every Lambda entry point is traced (X-Ray through powertools' Tracer), and never with its
response attached: answers hold invoice data and tokens."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = sorted((ROOT / "functions").glob("*/handler.py"))


def _decorators(path: Path) -> list[ast.expr]:
    tree = ast.parse(path.read_text())
    handler = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "lambda_handler")
    return handler.decorator_list


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.parent.name)
def test_every_worker_is_traced_without_its_response(path):
    calls = [d for d in _decorators(path) if isinstance(d, ast.Call)
             and ast.unparse(d.func) == "tracer.capture_lambda_handler"]
    assert len(calls) == 1, f"{path.parent.name}: lambda_handler is not traced"
    keywords = {k.arg: ast.literal_eval(k.value) for k in calls[0].keywords}
    assert keywords.get("capture_response") is False


def test_the_api_patches_its_clients_for_tracing():
    assert "from chalicelib.tracing import tracer" in (ROOT / "app.py").read_text()


def test_tracing_is_off_outside_lambda():
    from chalicelib.tracing import tracer

    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event, context):
        return {"ok": True}

    assert handler({}, None) == {"ok": True}  # no X-Ray daemon here, and nothing tries to reach one
