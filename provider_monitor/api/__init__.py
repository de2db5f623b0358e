"""The read-only JSON API: query parsing, serialisation and the OpenAPI description."""
