"""The Terms and Conditions a new account accepts; the version is stored with the acceptance."""

TERMS_VERSION = "2026-11-30"
