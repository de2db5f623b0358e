"""Walking every route of the app: the access tests fill each URL with ids and check who gets what."""

import re

from provider_monitor.access import ACCESS_ATTRIBUTE
from provider_monitor.enums import Role

PUBLIC_ENDPOINTS = {"auth.sign_in", "health.healthz", "api.openapi", "api.not_found", "static"}


def routes(app):
    """Every (rule, method) of the app but static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


# <any(csv, xlsx):fmt>: a choice among fixed words (an export's format); the walk takes the first.
ANY_ARGUMENT = re.compile(r"<any\(([^)]*)\):(\w+)>")


def url_for_rule(rule, values):
    """The rule's path with each argument filled from values (or, for a fixed choice, its first word)."""
    path = ANY_ARGUMENT.sub(lambda m: m[1].split(",")[0].strip(), rule.rule)
    for name in rule.arguments - {m[2] for m in ANY_ARGUMENT.finditer(rule.rule)}:
        path = path.replace(f"<int:{name}>", str(values[name])).replace(f"<path:{name}>", str(values[name]))
        path = path.replace(f"<{name}>", str(values[name]))
    return path


def allowed_roles(app, endpoint) -> set[Role] | None:
    policy = getattr(app.view_functions[endpoint], ACCESS_ATTRIBUTE)
    if policy == "public":
        return None
    return {Role(value) for value in policy.removeprefix("roles:").split(",")}
