"""What every HTTP answer carries and what no access log may show: one definition for the
CDK app (CloudFront's response headers policy, API Gateway's access log format) and the local
origin (local/web_server.py). Plain Python, no aws_cdk import: the local server loads it too.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                           "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
REFERRER_POLICY = "no-referrer"
FRAME_OPTIONS = "DENY"
HSTS_MAX_AGE_S = 730 * 24 * 3600  # two years, subdomains, preload list
STRICT_TRANSPORT_SECURITY = f"max-age={HSTS_MAX_AGE_S}; includeSubDomains; preload"


def content_security_policy(upload_origin: str) -> str:
    """The CSP, which lets scripts reach one other origin: the archive bucket's, where the
    browser POSTs SPV import uploads (a presigned POST; chalicelib/storage/blobs.upload_origin),
    and lets the document dialog frame a PDF from it (a presigned inline GET: the preview)."""
    return f"{CONTENT_SECURITY_POLICY}; connect-src 'self' {upload_origin}; frame-src {upload_origin}"


# The header set of CloudFront's response headers policy (infra/components/web.py builds the
# policy from these values), which the local origin adds to every answer, API and web alike.
def security_headers(upload_origin: str) -> dict[str, str]:
    return {
        "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
        "Content-Security-Policy": content_security_policy(upload_origin),
    }

# Credentials that travel in URLs: ANAF's OAuth callback (?code=&state=), the unsubscribe links
# (?token=, also on the /dezabonare page they redirect to) and the authorization links sent by
# e-mail (/api/anaf/link/<token>).
SECRET_QUERY_PARAMETERS = frozenset({"code", "state", "token"})
SECRET_PATH_PREFIXES = ("/api/anaf/link/",)
REDACTED = "REDACTED"


def redact_request_target(target: str) -> str:
    """A request target ("/path?query") fit for an access log: secret path segments and the
    values of secret query parameters replaced by REDACTED; everything else kept."""
    parts = urlsplit(target)
    path = parts.path
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix) and len(path) > len(prefix):
            path = prefix + REDACTED
    if not parts.query:
        return path
    pairs = [(name, REDACTED if name.lower() in SECRET_QUERY_PARAMETERS else value)
             for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    return f"{path}?{urlencode(pairs, quote_via=quote, safe='')}"


# API Gateway's access log: its variables cannot redact a query string, so the log holds the
# route template ($context.resourcePath: "/api/anaf/link/{token}"), never $context.path nor
# the query string; the caller's IP and request id allow tracing a request to the Lambda log.
API_ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "xrayTraceId": "$context.xrayTraceId",
    "errorType": "$context.error.responseType",
}
