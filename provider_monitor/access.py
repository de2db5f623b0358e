"""Who may use each endpoint. Every view declares it; undeclared endpoints are refused."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

from provider_monitor.enums import STAFF_ROLES, Role

ACCESS_ATTRIBUTE = "access_policy"


def _declare(view: Callable, policy: str) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, policy)
    return view


def public(view: Callable) -> Callable:
    """Anyone, signed in or not (sign-in page, health check)."""
    return _declare(view, "public")


def roles(*allowed: Role) -> Callable[[Callable], Callable]:
    """Signed-in users with one of these roles; anonymous users go to sign in, others get 403."""
    allowed_set = frozenset(allowed)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed_set:
                current_app.logger.warning(
                    "authz_denied",
                    extra={"user_id": current_user.id, "endpoint": request.endpoint, "path": request.path},
                )
                abort(403)
            return view(*args, **kwargs)

        return _declare(wrapper, "roles:" + ",".join(sorted(r.value for r in allowed_set)))

    return decorator


def staff_only(view: Callable) -> Callable:
    """Council staff of any role."""
    return roles(*STAFF_ROLES)(view)


def admin_only(view: Callable) -> Callable:
    return roles(Role.ADMIN)(view)


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, staff or provider: the view must scope what it shows to the viewer."""
    return roles(*Role)(view)


def undeclared_endpoints(view_functions: dict[str, Callable], exempt: Iterable[str] = ("static",)) -> list[str]:
    """Endpoints that have no access declaration."""
    return sorted(
        name for name, view in view_functions.items() if name not in set(exempt) and not hasattr(view, ACCESS_ATTRIBUTE)
    )


def refuse_undeclared_endpoints() -> None:
    """A before-request guard: an endpoint nobody declared access for fails closed."""
    if request.endpoint is None or request.endpoint == "static":
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is None or not hasattr(view, ACCESS_ATTRIBUTE):
        current_app.logger.error("endpoint without access declaration: %s", request.endpoint)
        abort(403)
