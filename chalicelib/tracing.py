"""X-Ray tracing for the API and the worker functions (powertools Tracer): each invocation is a
trace, and the AWS SDK and HTTP calls it makes (DynamoDB, S3, SQS, KMS, ANAF) are its
subsegments. Powertools switches tracing off outside Lambda (tests, the local stack), so the
same code runs everywhere. Responses are never captured: they hold invoices and tokens."""

from __future__ import annotations

from aws_lambda_powertools import Tracer

tracer = Tracer(service="arhivar")
