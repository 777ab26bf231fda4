"""Invoice → PDF with WeasyPrint: the only module of Arhivar that imports WeasyPrint.

Safety
- The HTML comes from a Jinja2 environment that autoescapes every value; invoice text never
  lands in an attribute, a URL or CSS (see templates/invoice.html.j2).
- WeasyPrint's URL fetcher is `AssetFetcher`: it serves the two bundled fonts and refuses every
  other URL (http, file, data, …). The stylesheet is passed as a parsed object, never linked.
- Sizes are capped in `view.build_view` (text lengths, at most `MAX_LINES` lines).
- Time: `render_*` runs under a wall-clock limit. In the Lambda worker the handler runs on the
  main thread, so the limit is a SIGALRM timer (`signal.setitimer`) that interrupts WeasyPrint's
  Python layout loop and fails the render with reason "timeout". A subprocess per PDF would be
  the stronger fence, but it costs the warm caches below (~1 s of imports and font set-up per
  invoice instead of ~50 ms); with the input caps the worst case is bounded anyway, and the
  Lambda function timeout (with SQS retries and the dead-letter queue) is the outer fence.
  Off the main thread (the local runtime's pollers) no timer can be armed: the caps and an
  after-the-fact check remain.
- Nothing raises out of `render_invoice` / `render_invoice_xml`: failures come back as a
  `RenderResult(ok=False, reason=…)`.

Speed (warm function): the Jinja environment, the parsed CSS, the `FontConfiguration` (with the
fonts registered) and the fetcher are built once per process and reused; the bundled fonts are
pre-subset (fonts/make_subset.py) so per-PDF font subsetting stays cheap even without HarfBuzz's
subsetter.

Cold start: `warm_up()` (called by the render function at import, i.e. in the Lambda init phase)
builds the engine and renders one small bundled invoice (warmup_invoice.xml, made by the
sandbox's generator), so Pango's font map, WeasyPrint's lazy imports and caches and the
parser are loaded before the first message: the first real render then costs about as much as
a warm one (bench/bench_pdf.py prints both).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from chalicelib.invoices.models import Invoice
from chalicelib.invoices.pdf.fetcher import AssetFetcher
from chalicelib.invoices.pdf.view import RenderContext, build_view

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "templates"
DEFAULT_TIMEOUT_S = 60.0
MAX_PDF_BYTES = 30 * 1024 * 1024
BASE_URL = "arhivar-asset:invoice.html"
WARMUP_INVOICE = PACKAGE_DIR / "warmup_invoice.xml"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderResult:
    ok: bool
    pdf: bytes | None = None
    reason: str = ""  # "" when ok; else parse_<reason> | timeout | too_large | render_error
    detail: str = ""  # English, for logs and `pdf_error`
    pages: int = 0
    elapsed_ms: float = 0.0


class RenderTimeout(BaseException):
    """Raised by the alarm; a BaseException so no `except Exception` inside WeasyPrint eats it."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[bool]:
    """Arm a SIGALRM timer when possible; yields whether a timer is armed."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if seconds is None or seconds <= 0 or not usable:
        yield False
        return

    def _expired(signum, frame):
        raise RenderTimeout()

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Engine:
    """What a warm process reuses between PDFs."""

    def __init__(self) -> None:
        self.fetcher = AssetFetcher()
        self.font_config = FontConfiguration()
        self.css = CSS(string=(TEMPLATES / "invoice.css").read_text("utf-8"), base_url=BASE_URL,
                       url_fetcher=self.fetcher, font_config=self.font_config)
        self.jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,  # everything, whatever the template name
            undefined=jinja2.StrictUndefined,
            auto_reload=False,
        )
        self.template = self.jinja.get_template("invoice.html.j2")
        self.lock = threading.Lock()

    def html(self, invoice: Invoice, context: RenderContext) -> str:
        return self.template.render(v=build_view(invoice, context))

    def pdf(self, html: str) -> tuple[bytes, int]:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetcher).render(
            stylesheets=[self.css], font_config=self.font_config, presentational_hints=False)
        return document.write_pdf(), len(document.pages)


_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine()
        return _engine


def reset_engine() -> None:
    """Forget the warm state (after a timeout interrupted WeasyPrint mid-way)."""
    global _engine
    with _engine_lock:
        _engine = None


def warm_up() -> RenderResult:
    """Build the engine and render the bundled sample invoice once (see the module docstring)."""
    return render_invoice_xml(WARMUP_INVOICE.read_bytes(), RenderContext(signature_status="unknown"))


def render_html(invoice: Invoice, context: RenderContext) -> str:
    return engine().html(invoice, context)


def render_invoice(invoice: Invoice, context: RenderContext, *,
                   timeout_s: float | None = DEFAULT_TIMEOUT_S) -> RenderResult:
    """The PDF of a parsed invoice; never raises."""
    started = time.perf_counter()
    try:
        current = engine()
        with current.lock, time_limit(timeout_s):
            pdf, pages = current.pdf(current.html(invoice, context))
    except RenderTimeout:
        reset_engine()
        return _failure("timeout", f"rendering took longer than {timeout_s} s", started)
    except Exception as error:  # a bug or a WeasyPrint failure: the archive flow goes on
        logger.exception("invoice PDF rendering failed")
        return _failure("render_error", f"{type(error).__name__}: {error}"[:300], started)
    elapsed = (time.perf_counter() - started) * 1000
    if timeout_s and elapsed > timeout_s * 1000:
        return _failure("timeout", f"rendering took {elapsed:.0f} ms (limit {timeout_s} s)", started)
    if len(pdf) > MAX_PDF_BYTES:
        return _failure("too_large", f"the PDF has {len(pdf)} bytes (limit {MAX_PDF_BYTES})", started)
    return RenderResult(True, pdf, "", "", pages, elapsed)


def render_invoice_xml(xml: bytes, context: RenderContext, *,
                       timeout_s: float | None = DEFAULT_TIMEOUT_S) -> RenderResult:
    """Parse the UBL invoice / credit note and render it; never raises."""
    from chalicelib.invoices.errors import InvoiceLayerError
    from chalicelib.invoices.ubl import parse_invoice

    started = time.perf_counter()
    try:
        invoice = parse_invoice(xml)
    except InvoiceLayerError as error:
        return _failure(f"parse_{error.reason}"[:60], str(error)[:300], started)
    except Exception as error:
        logger.exception("invoice parsing failed")
        return _failure("parse_error", f"{type(error).__name__}: {error}"[:300], started)
    remaining = None if timeout_s is None else max(0.1, timeout_s - (time.perf_counter() - started))
    result = render_invoice(invoice, context, timeout_s=remaining)
    total = (time.perf_counter() - started) * 1000
    return RenderResult(result.ok, result.pdf, result.reason, result.detail, result.pages, total)


def _failure(reason: str, detail: str, started: float) -> RenderResult:
    return RenderResult(False, None, reason, detail, 0, (time.perf_counter() - started) * 1000)
