"""Configuration read from the environment, with defaults that are safe in production."""

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# Placeholder values people copy from examples; never acceptable as a production key.
KNOWN_BAD_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development", "replace-me"}


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def default_database_url() -> str:
    """The embedded SQLite database, for trying the app out."""
    return f"sqlite:///{ROOT / 'instance' / 'provider_monitor.db'}"


class Config:
    """Production settings: every default here must be safe to run live."""

    ENVIRONMENT = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "Nottinghamshire County Council")
    SERVICE_NAME = "Provider Monitor"

    # Sessions: server-side record per sign-in, so sign-out and deactivation end them at once.
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_int("SESSION_ABSOLUTE_HOURS", 12))
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    # Officers type long visit notes: the CSRF token lives as long as the session does.
    WTF_CSRF_TIME_LIMIT = None
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)
    MAX_FAILED_SIGN_INS = _int("MAX_FAILED_SIGN_INS", 10)

    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    REGISTER_PAGE_SIZE = 50
    ACTION_PLANS_PAGE_SIZE = 50
    CONCERNS_PAGE_SIZE = 50
    ESCALATIONS_PAGE_SIZE = 50
    API_MAX_PAGE_SIZE = 200
    SCHEDULER_ENABLED = _bool("SCHEDULER_ENABLED", False)
    # The daily sweep's time (Europe/London), and how long without a successful sweep before admins are warned.
    SWEEP_HOUR = _int("SWEEP_HOUR", 6)
    SWEEP_STALE_HOURS = _int("SWEEP_STALE_HOURS", 26)
    FLAGS_PAGE_SIZE = 50
    # E-mail (digests of new flags): off unless MAIL_ENABLED; sent from the outbox table by the scheduler.
    MAIL_ENABLED = _bool("MAIL_ENABLED", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "provider-monitor@example.gov.uk")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = _int("SMTP_PORT", 587)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
    SMTP_TIMEOUT = _int("SMTP_TIMEOUT", 30)
    # Retries of a message the mail server refused: 5, 10, 20… minutes apart, up to this many tries.
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
    # CQC Syndication API. The key can also be set by an admin in the app; this one wins.
    CQC_SUBSCRIPTION_KEY = os.environ.get("CQC_SUBSCRIPTION_KEY", "")
    CQC_API_BASE_URL = os.environ.get("CQC_API_BASE_URL", "https://api.service.cqc.org.uk/public/v1")
    # Blank: "ProviderMonitor/<version> (+<CQC_CONTACT or the council's name>)".
    CQC_USER_AGENT = os.environ.get("CQC_USER_AGENT", "")
    CQC_CONTACT = os.environ.get("CQC_CONTACT", "")
    CQC_RETRY_AFTER_MAX = float(os.environ.get("CQC_RETRY_AFTER_MAX", "60"))
    CQC_TIMEOUT = (float(os.environ.get("CQC_CONNECT_TIMEOUT", "5")), float(os.environ.get("CQC_READ_TIMEOUT", "30")))
    CQC_REQUESTS_PER_SECOND = float(os.environ.get("CQC_REQUESTS_PER_SECOND", "5"))
    CQC_LOCAL_AUTHORITIES = [a.strip() for a in os.environ.get("CQC_LOCAL_AUTHORITIES", "").split(",") if a.strip()]
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Evidence files providers attach to actions: kept outside static/, served only through checked routes.
    EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR") or str(ROOT / "instance" / "evidence")
    EVIDENCE_MAX_BYTES = _int("EVIDENCE_MAX_BYTES", 8 * 1024 * 1024)
    # The county map's background tiles: OpenStreetMap by default, a council tile server in production;
    # blank for no tiles (boundaries and services still show). The attribution is the tile provider's.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")

    @classmethod
    def check(cls) -> None:
        """Refuse to start with settings that are unsafe for this environment."""
        key = cls.SECRET_KEY or ""
        if key.strip().lower() in KNOWN_BAD_SECRETS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                '(for example: python -c "import secrets; print(secrets.token_hex(32))").'
            )


class DevelopmentConfig(Config):
    """Trying the app on a laptop: plain HTTP on 127.0.0.1."""

    ENVIRONMENT = "development"
    SESSION_COOKIE_NAME = "pm_session"
    SESSION_COOKIE_SECURE = False
    FORCE_HTTPS = False

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY is not set: run `make run`, which writes one to .env.")


class TestingConfig(DevelopmentConfig):
    """The test suite: a throwaway database, CSRF off unless a test turns it on."""

    ENVIRONMENT = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-that-is-long-enough-0123456789"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False
    # Tests never fetch map tiles from the internet.
    MAP_TILE_URL = ""


CONFIGS = {"production": Config, "development": DevelopmentConfig, "testing": TestingConfig}


def get_config() -> type[Config]:
    """Pick the settings class named by APP_ENV (production when unset)."""
    name = os.environ.get("APP_ENV", "production").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return CONFIGS[name]
