"""The PDF preview's link: in AWS it must be on the bucket's regional address, the one origin the
CSP's frame-src names (boto3 signs for the global one by default). Signing needs no network."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from chalicelib.storage.blobs import ArchiveBucket, upload_origin
from infra.http_policy import content_security_policy


def test_an_inline_link_in_aws_is_on_the_origin_the_csp_lets_the_page_frame(settings):
    aws = dataclasses.replace(settings, aws_endpoint_url=None, region="eu-central-1")
    bucket = ArchiveBucket(aws)
    inline = urlsplit(bucket.download_url("documents/x/a.pdf", "a.pdf", 300, inline=True))
    origin = f"{inline.scheme}://{inline.netloc}"
    assert origin == upload_origin(aws) == f"https://{aws.archive_bucket}.s3.eu-central-1.amazonaws.com"
    assert f"frame-src {origin}" in content_security_policy(upload_origin(aws))
    assert "response-content-disposition=inline" in inline.query
    saved = urlsplit(bucket.download_url("documents/x/a.pdf", "a.pdf", 300))
    assert "response-content-disposition=attachment" in saved.query
