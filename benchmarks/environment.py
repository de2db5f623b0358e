"""Where a benchmark runs: a fresh database, the app bound to it, and signed-in test clients."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from config import TestingConfig
from provider_monitor import create_app
from provider_monitor.extensions import db
from provider_monitor.models import User
from provider_monitor.services import auth

DATABASE_URL_VARIABLE = "BENCH_DATABASE_URL"


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context (and database session), as in production.

    The same idea as tests.conftest.FreshContextClient, kept here so benchmarks do not import
    the test suite (and pytest) to run.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@dataclass
class BenchEnvironment:
    app: Flask
    engine: sa.Engine
    database_url: str
    temporary: bool  # True for the default throwaway SQLite file

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def describe_database(self) -> str:
        """'SQLite 3.40.1 (temporary file)' or 'PostgreSQL 15.20 (127.0.0.1:5432/pm_bench)'."""
        if self.dialect == "sqlite":
            where = "temporary file" if self.temporary else self.engine.url.database
            return f"SQLite {sqlite3.sqlite_version} ({where})"
        with self.engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version").scalar()
        url = self.engine.url
        return f"PostgreSQL {version} ({url.host}:{url.port or 5432}/{url.database})"

    def describe_software(self) -> str:
        return (
            f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
            f"driver {self.engine.dialect.driver}, {platform.machine()} {sys.platform}"
        )


def check_database_url(url: str) -> None:
    """Refuse databases a benchmark must not wipe (every table is dropped and rebuilt)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    name = (parsed.database or "").lower()
    if name == "test" or "bench" not in name:
        raise SystemExit(
            f"{DATABASE_URL_VARIABLE} names the database {parsed.database!r}: a benchmark drops every table, "
            "so it only runs on a database whose name contains 'bench' (for example pm_bench), never 'test'."
        )


@contextmanager
def bench_environment(
    database_url: str | None = None, *, config_overrides: dict | None = None
) -> Iterator[BenchEnvironment]:
    """The app on a database with a freshly created, empty schema; the temporary file is removed after."""
    from benchmarks.data import reset_schema

    url = database_url or os.environ.get(DATABASE_URL_VARIABLE) or None
    tmp = None
    if url is None:
        tmp = tempfile.TemporaryDirectory(prefix="pm-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    check_database_url(url)

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        # A run is long; the sign-in made at its start must not time out part-way.
        SESSION_IDLE_MINUTES = 24 * 60

    for key, value in (config_overrides or {}).items():
        setattr(BenchConfig, key, value)

    app = create_app(BenchConfig)
    app.test_client_class = FreshContextClient
    try:
        with app.app_context():
            reset_schema()
            engine = db.engine
        yield BenchEnvironment(app=app, engine=engine, database_url=url, temporary=tmp is not None)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if tmp is not None:
            tmp.cleanup()


def signed_in_client(app: Flask, user_id: int, *, user_agent: str = "benchmark") -> FlaskClient:
    """A test client with a live server-side session for this user (as tests.conftest.sign_in_client)."""
    client = app.test_client()
    with app.app_context():
        user = db.session.get(User, user_id)
        if user is None:
            raise LookupError(f"no user {user_id} to sign in as")
        token = auth.start_session(db.session, user, ip_address="127.0.0.1", user_agent=user_agent)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
        session.permanent = True
    return client


def run_sections(make_run, sections) -> int:
    """Run a benchmark's sections in one environment, then print its report with the total run time."""
    from benchmarks.measure import progress

    started = time.perf_counter()
    with bench_environment() as env:
        run = make_run(env)
        for section in sections:
            progress(section.__name__)
            section(run)
    run.report.paragraph(f"Total run time: {time.perf_counter() - started:,.1f} s.")
    print(run.report.render(), end="")
    return 0
