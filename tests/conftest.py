"""Fixtures: one app and schema per run, an empty database for every test, signed-in clients."""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from config import TestingConfig
from provider_monitor import create_app
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import Flag
from provider_monitor.services import auth
from tests import factories

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # A file, not :memory:, so the browser tests' server thread sees the same data.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Tests hold an app context for factories; without this, Flask would reuse it for requests and
    `g` (where Flask-Login caches the signed-in user) would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = _database_url(tmp_path_factory)
        EVIDENCE_DIR = str(tmp_path_factory.mktemp("evidence"))

    app = create_app(Config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.drop_all()
        _drop_alembic_version()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _drop_alembic_version():
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def _empty_database(request):
    """Every test starts with empty tables (rows deleted after the test)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app, app_ctx):
    return app.test_client()


def sign_in_client(app, client, user) -> None:
    """Put a live session for this user into the client's cookie (as a real sign-in would)."""
    token = auth.start_session(db.session, user, ip_address="127.0.0.1", user_agent="pytest")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
        session.permanent = True


@pytest.fixture
def login_as(app, client):
    """Sign the test client in as a new user of the given role; returns the user."""

    def _login(role: Role = Role.OFFICER, provider=None, **kwargs):
        if role == Role.PROVIDER and provider is None:
            provider = factories.ProviderFactory()
        user = factories.UserFactory(role=role, provider=provider if role == Role.PROVIDER else None, **kwargs)
        sign_in_client(app, client, user)
        return user

    return _login


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real CQC and ONS data not found at {SHARED_DATA} (it sits beside the repository)")
    return SHARED_DATA


@pytest.fixture
def other_provider_records(app_ctx):
    """Records of a provider the signed-in provider user does not belong to."""
    service = factories.ServiceFactory(name="Secret Other House", provider__name="Other Provider Group")
    staff = factories.UserFactory(role=Role.OFFICER, name="Other Officer")
    # A shared report and an action with evidence: things a provider user could see if they were theirs.
    visit = factories.VisitFactory(service=service, status="shared", summary="Secret Other findings")
    action = factories.ActionFactory(service=service, visit=visit, description="Secret Other action")
    evidence = factories.ActionEvidenceFactory(action=action, filename="secret-other.pdf")
    concern = factories.ConcernFactory(service=service, description="Secret Other concern")
    escalation = factories.EscalationFactory(service=service, level=3, suspension_status="red")
    decision = factories.EscalationDecisionFactory(escalation=escalation, reason="Secret Other reason")
    meeting = factories.EscalationMeetingFactory(escalation=escalation, minutes="Secret Other minutes")
    timer = factories.EscalationTimerFactory(escalation=escalation)
    flag = Flag(
        kind="visit_overdue", subject_key=f"service:{service.id}", provider_id=service.provider_id,
        service_id=service.id, severity="high", evidence="Secret Other evidence",
    )  # fmt: skip
    db.session.add(flag)
    db.session.commit()
    return {
        "service_id": service.id,
        "provider_id": service.provider_id,
        "user_id": staff.id,
        "visit_id": visit.id,
        "action_id": action.id,
        "evidence_id": evidence.id,
        "concern_id": concern.id,
        "escalation_id": escalation.id,
        "decision_id": decision.id,
        "meeting_id": meeting.id,
        "timer_id": timer.id,
        "flag_id": flag.id,
        "step": "details",
        "anything": "x",
    }
