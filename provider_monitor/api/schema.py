"""The OpenAPI 3.1 description of /api/v1 (a helper is filling this in)."""


def openapi_document() -> dict:
    return {"openapi": "3.1.0", "info": {"title": "Provider Monitor API", "version": "1"}, "paths": {}}
