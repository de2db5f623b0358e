"""The concerns service against a real database: log, edit, close, link visits, raise actions, search, scope."""

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import ActionStatus, ConcernCategory, ConcernStatus, Role
from provider_monitor.extensions import db
from provider_monitor.models import Action, ActionEvent, AuditEvent, Concern, concern_visit
from provider_monitor.services import concerns
from provider_monitor.services.audit import Actor, reset_actor, set_actor
from provider_monitor.services.concerns import ConcernFilters
from provider_monitor.services.exceptions import DomainError, EditConflict, FieldError, NotFound
from tests import factories

TODAY = date(2026, 6, 15)


def _details(**overrides) -> dict:
    data = {
        "received_on": date(2026, 6, 10),
        "source": "family",
        "category": "medication",
        "severity": "high",
        "description": "Medicines were given late on three evenings",
        "people_affected": 2,
    }
    data.update(overrides)
    return data


def _concern(service=None, *, provider=None, received_on=date(2026, 6, 1), **overrides) -> Concern:
    """A concern row straight into the database (committed), about a service or a whole provider."""
    values = {
        "provider_id": provider.id if provider else service.provider_id,
        "service_id": service.id if service else None,
        "received_on": received_on, "source": "public", "category": "staffing", "severity": "medium",
        "description": "Too few staff at weekends", "status": "open",
    }  # fmt: skip
    values.update(overrides)
    concern = Concern(**values)
    db.session.add(concern)
    db.session.commit()
    return concern


def _field_error(error) -> tuple[str, str]:
    return error.value.field, str(error.value)


def test_an_officer_logs_a_concern_about_a_service(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    service = factories.ServiceFactory()
    data = _details(service_id=service.id, source_identity="Daughter of a resident")
    concern = concerns.log_concern(db.session, data, by=officer, today=TODAY)
    db.session.commit()

    saved = db.session.get(Concern, concern.id)
    assert (saved.provider_id, saved.service_id, saved.status) == (service.provider_id, service.id, ConcernStatus.OPEN)
    assert (saved.logged_by_id, saved.source_identity, saved.people_affected) == (
        officer.id, "Daughter of a resident", 2,
    )  # fmt: skip
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "concern")).one()
    assert audit.action == "create"
    assert audit.changes["description"] == [None, "Medicines were given late on three evenings"]


def test_a_concern_about_a_provider_across_its_services(app_ctx):
    manager = factories.UserFactory(role=Role.HEAD_OF_SERVICE)
    provider = factories.ProviderFactory()
    concern = concerns.log_concern(db.session, _details(provider_id=provider.id), by=manager, today=TODAY)
    assert (concern.provider_id, concern.service_id) == (provider.id, None)


def test_logging_refuses_bad_scope_bad_details_and_roles_that_may_not(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    provider, other_provider = factories.ProviderFactory(), factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    with pytest.raises(FieldError) as error:
        concerns.log_concern(
            db.session, _details(provider_id=other_provider.id, service_id=service.id), by=officer, today=TODAY
        )
    assert _field_error(error) == ("service_id", "Select a service run by this provider")
    with pytest.raises(FieldError) as error:
        concerns.log_concern(db.session, _details(), by=officer, today=TODAY)
    assert error.value.field == "provider_id"
    with pytest.raises(FieldError) as error:
        data = _details(service_id=service.id, category="safeguarding")
        concerns.log_concern(db.session, data, by=officer, today=TODAY)
    assert _field_error(error) == ("safeguarding_reference", "Enter the safeguarding reference")
    with pytest.raises(FieldError) as error:
        data = _details(service_id=service.id, received_on=TODAY + timedelta(days=1))
        concerns.log_concern(db.session, data, by=officer, today=TODAY)
    assert error.value.field == "received_on"
    for role in (Role.ADMIN, Role.PROVIDER):
        user = factories.UserFactory(role=role, provider=provider if role == Role.PROVIDER else None)
        with pytest.raises(DomainError):
            concerns.log_concern(db.session, _details(service_id=service.id), by=user, today=TODAY)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 0


def test_editing_on_a_stale_version_is_refused_and_changes_are_kept_otherwise(app_ctx):
    concern = _concern(factories.ServiceFactory())
    opened_at = concern.version_id

    changed = concerns.update_concern(
        db.session, concern, {"severity": "critical", "description": "Worse"}, expected_version=opened_at, today=TODAY
    )
    db.session.commit()
    assert set(changed) == {"severity", "description"}
    assert (concern.severity.value, concern.version_id) == ("critical", opened_at + 1)

    with pytest.raises(EditConflict):
        concerns.update_concern(db.session, concern, {"severity": "low"}, expected_version=opened_at, today=TODAY)
    db.session.rollback()
    assert db.session.get(Concern, concern.id).severity.value == "critical"


def test_editing_checks_the_details_too(app_ctx):
    concern = _concern(factories.ServiceFactory())
    with pytest.raises(FieldError) as error:
        concerns.update_concern(db.session, concern, {"description": " "}, expected_version=None, today=TODAY)
    assert _field_error(error) == ("description", "Enter a description of the concern")


def test_closing_needs_a_reason(app_ctx):
    manager = factories.UserFactory(role=Role.MANAGER)
    concern = _concern(factories.ServiceFactory())
    with pytest.raises(FieldError) as error:
        concerns.close_concern(db.session, concern, reason="  ", on=TODAY, by=manager, today=TODAY)
    assert _field_error(error) == ("reason", "Enter the reason for closing the concern")
    assert concern.status == ConcernStatus.OPEN

    concerns.close_concern(db.session, concern, reason="Staffing now safe", on=TODAY, by=manager, today=TODAY)
    db.session.commit()
    saved = db.session.get(Concern, concern.id)
    assert (saved.status, saved.closed_on, saved.closed_reason) == (ConcernStatus.CLOSED, TODAY, "Staffing now safe")
    with pytest.raises(DomainError, match="already closed"):
        concerns.close_concern(db.session, saved, reason="Again", on=TODAY, by=manager, today=TODAY)


def test_linking_visits_only_of_the_concerns_provider_and_service(app_ctx):
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    sister = factories.ServiceFactory(provider=provider)
    own_visit, sister_visit = factories.VisitFactory(service=service), factories.VisitFactory(service=sister)
    elsewhere = factories.VisitFactory()
    about_service = _concern(service)
    about_provider = _concern(provider=provider)

    assert concerns.link_visit(db.session, about_service, own_visit) is True
    assert concerns.link_visit(db.session, about_service, own_visit) is False
    assert concerns.link_visit(db.session, about_provider, sister_visit) is True
    with pytest.raises(FieldError) as error:
        concerns.link_visit(db.session, about_service, sister_visit)
    assert _field_error(error) == ("visit_id", "Select a visit to the service this concern is about")
    with pytest.raises(FieldError) as error:
        concerns.link_visit(db.session, about_provider, elsewhere)
    assert _field_error(error) == ("visit_id", "Select a visit to one of this provider's services")
    db.session.commit()

    shown = concerns.get_concern(db.session, factories.UserFactory(), about_service.id, with_visits=True)
    assert [visit.id for visit in shown.visits] == [own_visit.id]
    assert concerns.unlink_visit(db.session, about_service, own_visit) is True
    assert concerns.unlink_visit(db.session, about_service, own_visit) is False
    db.session.commit()
    links = db.session.execute(sa.select(concern_visit.c.concern_id, concern_visit.c.visit_id)).all()
    assert links == [(about_provider.id, sister_visit.id)]
    audited = db.session.scalars(
        sa.select(AuditEvent.changes).where(
            AuditEvent.entity_type == "concern", AuditEvent.entity_id == about_service.id
        )
    ).all()
    assert {"visit_id": [None, own_visit.id]} in audited
    assert {"visit_id": [own_visit.id, None]} in audited


def _action_data(**overrides) -> dict:
    data = {
        "description": "Review the weekend rota with the registered manager",
        "key_question": "safe", "kind": "corrective", "priority": "high",
        "due_on": TODAY + timedelta(days=28), "owner": "Registered manager",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_an_action_raised_from_a_concern_is_linked_timed_and_audited(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    service = factories.ServiceFactory()
    concern = _concern(service)
    token = set_actor(Actor(user_id=officer.id, label="Olive Officer (QMM officer)"))
    try:
        action = concerns.raise_action(db.session, concern, _action_data(), by=officer)
        db.session.commit()
    finally:
        reset_actor(token)

    saved = db.session.get(Action, action.id)
    assert (saved.concern_id, saved.service_id, saved.status) == (concern.id, service.id, ActionStatus.OPEN)
    event = db.session.scalars(sa.select(ActionEvent).where(ActionEvent.action_id == action.id)).one()
    assert (event.actor_label, event.to_status) == ("Olive Officer (QMM officer)", ActionStatus.OPEN)
    audits = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "action", AuditEvent.entity_id == action.id)
    ).all()
    assert audits[0].action == "create"
    assert all(audit.actor_id == officer.id for audit in audits)
    assert any(audit.changes.get("concern_id", [None, None])[1] == concern.id for audit in audits)


def test_a_provider_wide_concern_needs_one_of_its_services_for_an_action(app_ctx):
    manager = factories.UserFactory(role=Role.MANAGER)
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    elsewhere = factories.ServiceFactory()
    concern = _concern(provider=provider)
    for service_id, message in [
        (None, "Select the service the action is for"),
        (elsewhere.id, "Select one of this provider's services"),
    ]:
        with pytest.raises(FieldError) as error:
            concerns.raise_action(db.session, concern, _action_data(service_id=service_id), by=manager)
        assert _field_error(error) == ("service_id", message)
    action = concerns.raise_action(db.session, concern, _action_data(service_id=service.id), by=manager)
    assert (action.service_id, action.concern_id) == (service.id, concern.id)
    with pytest.raises(DomainError, match="cannot raise an action"):
        concerns.raise_action(
            db.session, concern, _action_data(service_id=service.id), by=factories.UserFactory(role=Role.DIRECTOR)
        )


@contextmanager
def _counting_queries():
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_search_filters_pages_newest_first_in_constant_queries(app_ctx):
    viewer = factories.UserFactory(role=Role.CONTRACT_MANAGER)
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    other = factories.ServiceFactory()
    oldest = _concern(service, received_on=date(2026, 3, 1), category="safeguarding", safeguarding_reference="SG1")
    middle = _concern(service, received_on=date(2026, 4, 1), severity="high", status="closed")
    newest = _concern(other, received_on=date(2026, 5, 1), source="cqc")
    wide = _concern(provider=provider, received_on=date(2026, 5, 1))

    def ids(**filters):
        return [c.id for c in concerns.search(db.session, viewer, ConcernFilters(**filters), TODAY).items]

    assert ids() == [wide.id, newest.id, middle.id, oldest.id]
    assert ids(status="open") == [wide.id, newest.id, oldest.id]
    assert ids(category=ConcernCategory.SAFEGUARDING) == [oldest.id]
    assert ids(severity="high") == [middle.id]
    assert ids(source="cqc") == [newest.id]
    assert ids(service_id=service.id) == [middle.id, oldest.id]
    assert ids(provider_id=service.provider_id) == [wide.id, middle.id, oldest.id]
    assert ids(received_from=date(2026, 3, 15), received_to=date(2026, 4, 30)) == [middle.id]
    second = concerns.search(db.session, viewer, ConcernFilters(page=2, per_page=3), TODAY)
    assert ([c.id for c in second.items], second.total, second.pages) == ([oldest.id], 4, 2)
    with pytest.raises(FieldError) as error:
        ids(received_from=date(2026, 5, 1), received_to=date(2026, 4, 1))
    assert error.value.field == "received_to"
    with pytest.raises(FieldError):
        ids(severity="dreadful")

    db.session.expunge_all()
    with _counting_queries() as few:
        [(c.provider.name, c.service and c.service.name) for c in concerns.search(
            db.session, viewer, ConcernFilters(), TODAY).items]  # fmt: skip
    for n in range(6):
        _concern(factories.ServiceFactory(), received_on=date(2026, 2, n + 1))
    db.session.expunge_all()
    with _counting_queries() as many:
        names = [(c.provider.name, c.service and c.service.name) for c in concerns.search(
            db.session, viewer, ConcernFilters(), TODAY).items]  # fmt: skip
    assert len(names) == 10
    assert many["n"] == few["n"] == 2


def test_provider_users_get_nothing_of_concerns_even_their_own(app_ctx):
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    concern = _concern(service)
    provider_user = factories.UserFactory(role=Role.PROVIDER, provider=provider)
    with pytest.raises(NotFound):
        concerns.get_concern(db.session, provider_user, concern.id)
    page = concerns.search(db.session, provider_user, ConcernFilters(provider_id=service.provider_id), TODAY)
    assert (page.items, page.total) == ([], 0)
    assert db.session.scalars(concerns.concerns_visible_to(provider_user)).all() == []

    staff = factories.UserFactory(role=Role.ADMIN)
    assert concerns.get_concern(db.session, staff, concern.id).id == concern.id
    with pytest.raises(NotFound):
        concerns.get_concern(db.session, staff, concern.id + 1000)
