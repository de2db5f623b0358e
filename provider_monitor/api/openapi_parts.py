"""Small builders for the OpenAPI document's schemas, parameters and operations (api/schema.py uses them)."""

from __future__ import annotations

from enum import Enum

from provider_monitor.api import query

# --- Schemas -------------------------------------------------------------------------------------


def ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def typed(name: str, description: str | None = None, **extra) -> dict:
    return {"type": name, **({"description": description} if description else {}), **extra}


def nullable(schema: dict) -> dict:
    """The same schema, also allowing null (OpenAPI 3.1 takes JSON Schema type lists; an enum must list null)."""
    extra = {"enum": [*schema["enum"], None]} if "enum" in schema else {}
    return {**schema, "type": [schema["type"], "null"], **extra}


def whole(low: int, high: int, **extra) -> dict:
    return typed("integer", minimum=low, maximum=high, **extra)


def enum_of(enum: type[Enum], description: str) -> dict:
    labels = "; ".join(f"`{m.value}` = {m.label}" for m in enum)
    return typed("string", f"{description} ({labels})", enum=[m.value for m in enum])


def obj(properties: dict, description: str, optional: frozenset[str] = frozenset()) -> dict:
    """An object with exactly these properties, all present (nullable ones as null) unless optional."""
    required = [name for name in properties if name not in optional]
    return typed("object", description, required=required, properties=properties, additionalProperties=False)


# --- Parameters ----------------------------------------------------------------------------------


def param(name: str, about: str, schema: dict, where: str = "query") -> dict:
    return {"name": name, "in": where, "required": where == "path", "description": about, "schema": schema}


def id_param(name: str, noun: str) -> dict:
    return param(name, f"The {noun}'s id", whole(1, query.MAX_ID), "path")


def choice(name: str, description: str, values) -> dict:
    return param(name, description, typed("string", enum=[str(v) for v in values]))


def paging(max_per_page: int) -> list[dict]:
    return [
        param("page", "Page number", whole(1, query.MAX_PAGE, default=1)),
        param("per_page", "Items per page", whole(1, max_per_page, default=query.DEFAULT_PER_PAGE)),
    ]


def day() -> dict:
    """A date written YYYY-MM-DD, as query parameters take it."""
    return typed("string", format="date", pattern=query.ISO_DATE.pattern, examples=["2026-05-01"])


# --- Operations ----------------------------------------------------------------------------------


def json_reply(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def listing(noun: str) -> dict:
    data = typed("object", required=["data"], properties={"data": typed("array", items=ref(noun))})
    return json_reply(f"One page of {noun.lower()}s", {"allOf": [ref("Page"), data]})


def single(noun: str) -> dict:
    return json_reply(f"The {noun.lower()}", obj({"data": ref(noun)}, f"One {noun.lower()}"))


def get_operation(summary: str, about: str, params: list[dict], ok: dict, *errors: str) -> dict:
    names = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound"}
    replies = {"200": ok} | {code: ref(names[code], "responses") for code in errors}
    return {"get": {"summary": summary, "description": about, "parameters": params, "responses": replies}}
