"""Request-level security: session loading, API tokens, request ids and response headers."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, g, jsonify, redirect, request, session, url_for
from flask_login import current_user

from provider_monitor import access
from provider_monitor.extensions import db, login_manager
from provider_monitor.services import auth
from provider_monitor.services.audit import Actor, reset_actor, set_actor

log = logging.getLogger(__name__)


def tile_origin(tile_url: str) -> str | None:
    """The scheme and host of an external map tile server (for img-src), or None for local or no tiles."""
    parts = urlsplit(tile_url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def content_security_policy(nonce: str, tile_origin: str | None = None) -> str:
    """A strict CSP: our own assets only (and map tiles from the configured tile server); inline script only
    with this response's nonce."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            f"img-src 'self' data:{' ' + tile_origin if tile_origin else ''}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


def _security_headers(response):
    tiles = tile_origin(current_app.config.get("MAP_TILE_URL", ""))
    response.headers["Content-Security-Policy"] = content_security_policy(g.get("csp_nonce", ""), tiles)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "geolocation=(), microphone=(), camera=(), payment=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure or not _is_development():
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages hold personal data about providers and people: never keep them in a cache.
        response.headers["Cache-Control"] = "no-store, no-cache, private, must-revalidate"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def _is_development() -> bool:
    return current_app.config["ENVIRONMENT"] in {"development", "testing"}


def _begin_request():
    g.request_id = str(uuid.uuid4())
    g.csp_nonce = secrets.token_urlsafe(16)
    if current_app.config["FORCE_HTTPS"] and not request.is_secure and request.endpoint != "health.healthz":
        return redirect(request.url.replace("http://", "https://", 1), code=301)
    return None


def _name_the_actor():
    if request.endpoint == "static":
        return
    if current_user.is_authenticated:
        g.audit_token = set_actor(Actor(current_user.id, f"{current_user.name} ({current_user.email})", g.request_id))
    else:
        g.audit_token = set_actor(Actor(None, "Anonymous", g.request_id))


def _forget_the_actor(exc=None):
    token = g.pop("audit_token", None)
    if token is not None:
        reset_actor(token)


def session_policy(app: Flask) -> auth.SessionPolicy:
    return auth.SessionPolicy(
        idle=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
        absolute=app.config["PERMANENT_SESSION_LIFETIME"],
    )


def init_app(app: Flask) -> None:
    """Wire sessions, tokens, headers and the undeclared-endpoint guard into the app."""
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    # Revocation is server-side (user_session rows); Flask-Login's IP checks would only log out
    # officers whose laptops change network.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(token: str):
        user = auth.load_session_user(db.session, token, policy=session_policy(app))
        if db.session.dirty:
            # last_seen_at touched (at most once a minute) or an expired session revoked: the only
            # writes a GET makes. Committing only then saves re-loading the user on every request.
            db.session.commit()
        if user is None:
            session.clear()
        return user

    @login_manager.request_loader
    def load_user_from_api_token(req):
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
            return None
        return auth.user_for_api_token(db.session, header.removeprefix("Bearer ").strip())

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return jsonify(errors=[{"message": "Sign in, or send an API token as 'Authorization: Bearer …'"}]), 401
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))

    app.before_request(_begin_request)
    app.before_request(access.refuse_undeclared_endpoints)
    app.before_request(_name_the_actor)
    app.teardown_request(_forget_the_actor)
    app.after_request(_security_headers)
