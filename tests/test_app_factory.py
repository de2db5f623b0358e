"""The factory, the configuration and the response headers."""

import pytest

import config
from provider_monitor import ROOT, create_app


def test_templates_and_static_resolve_to_the_repository_root(app):
    assert app.template_folder == str(ROOT / "templates")
    assert app.static_folder == str(ROOT / "static")
    assert (ROOT / "templates" / "base.html").is_file()


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    class Production(config.Config):
        SECRET_KEY = "change-me"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)


def test_production_refuses_a_short_secret_key():
    class Production(config.Config):
        SECRET_KEY = "x" * 20

    with pytest.raises(RuntimeError, match="at least 32 characters"):
        create_app(Production)


def test_production_defaults_are_safe():
    assert config.Config.SESSION_COOKIE_SECURE is True
    assert config.Config.SESSION_COOKIE_HTTPONLY is True
    assert config.Config.SESSION_COOKIE_NAME.startswith("__Host-")
    assert config.Config.FORCE_HTTPS is True
    assert not getattr(config.Config, "DEBUG", False)


def test_app_env_picks_the_settings_class(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    assert config.get_config() is config.DevelopmentConfig
    monkeypatch.delenv("APP_ENV")
    assert config.get_config() is config.Config
    monkeypatch.setenv("APP_ENV", "staging-typo")
    with pytest.raises(RuntimeError, match="APP_ENV must be one of"):
        config.get_config()


def test_env_example_documents_every_setting_read_from_the_environment():
    source = (ROOT / "config.py").read_text()
    documented = (ROOT / ".env.example").read_text()
    import re

    names = set(re.findall(r'environ\.get\("([A-Z_]+)"', source)) | set(
        re.findall(r'_(?:bool|int)\("([A-Z_]+)"', source)
    )
    missing = sorted(name for name in names if f"{name}=" not in documented)
    assert not missing, f".env.example does not document: {missing}"


def test_security_headers_on_every_page(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "no-store" in response.headers["Cache-Control"]


def test_every_inline_script_carries_this_responses_nonce(client):
    from tests.helpers import page

    response = client.get("/sign-in")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    scripts = page(response).find_all("script")
    assert scripts, "the page should load the GOV.UK Frontend script"
    assert all(s.get("nonce") == nonce for s in scripts)
    assert client.get("/sign-in").headers["Content-Security-Policy"] != response.headers["Content-Security-Policy"]


def test_the_page_uses_the_council_header_not_the_gov_uk_crown(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert "Nottinghamshire County Council" in html
    assert "govuk-header__logotype" not in html
    assert "GDS Transport" not in (ROOT / "static" / "src" / "scss" / "main.scss").read_text().replace(
        "never the GOV.UK Transport typeface", ""
    )


def test_a_failing_page_shows_a_reference_and_no_traceback(app, client, login_as, monkeypatch):
    from provider_monitor.services import register

    login_as()

    def explode(*args, **kwargs):
        raise RuntimeError("boom: secret internals")

    monkeypatch.setattr(register, "search", explode)
    response = client.get("/services")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] in body
    assert "Traceback" not in body and "secret internals" not in body


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_says_when_the_database_does_not_answer(client, monkeypatch):
    import sqlalchemy as sa

    from provider_monitor.extensions import db

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "not answering"
