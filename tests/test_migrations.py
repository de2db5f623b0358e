"""Migrations build the schema the models describe, on SQLite and PostgreSQL, and reverse cleanly."""

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from provider_monitor import ROOT, create_app
from provider_monitor.extensions import db

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def empty_database(tmp_path):
    """A URL for a brand-new, empty database of the kind the suite runs on."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"pm_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migration_app(empty_database):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database

    app = create_app(Config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _differences(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_to_head_matches_the_models(migration_app):
    upgrade(directory=MIGRATIONS)
    assert _differences(migration_app) == []


def test_every_migration_reverses_to_an_empty_database(migration_app):
    upgrade(directory=MIGRATIONS)
    downgrade(directory=MIGRATIONS, revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(directory=MIGRATIONS)
    assert "service" in sa.inspect(db.engine).get_table_names()


def test_constraint_names_follow_the_convention(migration_app):
    upgrade(directory=MIGRATIONS)
    inspector = sa.inspect(db.engine)
    unique_names = {c["name"] for c in inspector.get_unique_constraints("service")}
    unique_names |= {i["name"] for i in inspector.get_indexes("service") if i.get("unique")}
    assert "uq_service_cqc_location_id" in unique_names
    foreign_keys = {fk["name"] for fk in inspector.get_foreign_keys("service")}
    assert "fk_service_provider_id_provider" in foreign_keys
