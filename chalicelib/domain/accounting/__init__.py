"""Exports for accounting software (issue 16): an archived invoice as the booking entries an
accountant imports (entries.py), written as SAGA C's XML (saga.py) or as a generic CSV of lines
(lines.py); the accounting periods an export covers (periods.py)."""
