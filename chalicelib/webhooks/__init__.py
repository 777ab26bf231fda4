"""Outbound webhooks: the HTTP adapter that reaches customers' receivers safely."""
