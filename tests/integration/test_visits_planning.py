"""Planning and cancelling visits, and the visit lists other pages use."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import Role, VisitStatus
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, Provider, Service, Visit
from provider_monitor.services import visits
from tests import factories
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text

TODAY = date.today()


def _date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def service(app_ctx):
    link_officer = factories.UserFactory(role=Role.OFFICER, name="Lina Link")
    return factories.ServiceFactory(name="Willow Bank", link_officer=link_officer)


def test_the_link_officer_is_chosen_to_start_with(client, login_as, service):
    login_as(Role.OFFICER)
    factories.UserFactory(role=Role.CONTRACT_MANAGER, name="Cora Contracts")
    factories.UserFactory(role=Role.OFFICER, name="Gone Officer", active=False)
    soup = page(client.get(f"/services/{service.id}/visits/new"))
    values = form_values(soup)
    assert values["officers"] == str(service.link_officer_id)
    assert values["kind"] == "planned"
    offered = [text(label) for label in soup.select("#officers ~ label, .govuk-checkboxes__label")]
    assert "Lina Link" in offered
    assert "Cora Contracts" not in offered and "Gone Officer" not in offered


def test_an_officer_plans_a_visit(client, login_as, service):
    officer = login_as(Role.OFFICER, name="Olive Officer")
    when = TODAY + timedelta(days=10)
    response = client.post(
        f"/services/{service.id}/visits/new",
        data={"planned_on": _date_parts(when), "kind": "planned", "purpose": "quality_audit",
              "officers": [str(service.link_officer_id), str(officer.id)]},
    )  # fmt: skip
    assert response.status_code == 302
    visit = db.session.scalars(sa.select(Visit)).one()
    assert (visit.status, visit.planned_on, visit.visited_on, visit.created_by_id) == (
        VisitStatus.PLANNED, when, None, officer.id
    )  # fmt: skip
    soup = page(client.get(response.headers["Location"]))
    assert "has been planned for" in text(soup.select_one(".govuk-notification-banner"))
    assert "Lina Link, Olive Officer" in text(soup.select_one("main"))
    assert soup.select_one("form[action$='/start'] button").get_text(strip=True) == "Log this visit"
    changes = db.session.scalars(sa.select(AuditEvent.changes).where(AuditEvent.entity_type == "visit")).all()
    assert {"officers": [None, "Lina Link, Olive Officer"]} in changes


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"planned_on": _date_parts(TODAY - timedelta(days=1))}, "planned_on-day",
         "Date of the visit must be today or in the future"),
        ({"planned_on": ["", "", ""]}, "planned_on-day", "Enter the date of the visit"),
        ({"planned_on": ["30", "2", "2027"]}, "planned_on-day", "Date of the visit must be a real date"),
        ({"officers": []}, "officers", "Select at least one officer"),
        ({"officers": ["424242"]}, "officers", "Select officers from the list"),
        ({"kind": ""}, "kind", "Select whether the visit is planned or unplanned"),
        ({"purpose": "picnic"}, "purpose", "Select the purpose of the visit"),
    ],
)  # fmt: skip
def test_bad_plans_are_explained_and_the_input_kept(client, login_as, service, change, field, message):
    login_as(Role.OFFICER)
    data = {"planned_on": _date_parts(TODAY + timedelta(days=3)), "kind": "planned", "purpose": "concern",
            "officers": [str(service.link_officer_id)]} | change  # fmt: skip
    response = client.post(f"/services/{service.id}/visits/new", data=data)
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.text.startswith("Error:")
    assert (message, f"#{field}") in error_summary(soup)
    assert field_error(soup, field) == message
    kept = form_values(soup)
    assert kept["purpose"] == data["purpose"] if data["purpose"] != "picnic" else "purpose" not in kept
    assert kept["planned_on"] == data["planned_on"]
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.ADMIN, Role.PROVIDER])
def test_only_officers_and_managers_plan_or_log_visits(client, login_as, service, role):
    login_as(role, provider=db.session.get(Provider, service.provider_id) if role == Role.PROVIDER else None)
    for path in (f"/services/{service.id}/visits/new", f"/services/{service.id}/visits/log"):
        assert client.get(path).status_code == 403
        assert client.post(path, data={"kind": "planned"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


def test_a_manager_may_plan(client, login_as, service):
    manager = login_as(Role.MANAGER)
    response = client.post(
        f"/services/{service.id}/visits/new",
        data={"planned_on": _date_parts(TODAY), "kind": "unplanned", "purpose": "concern", "officers": [manager.id]},
    )
    assert response.status_code == 302


def test_a_planned_visit_is_cancelled_with_a_reason(client, login_as, service):
    login_as(Role.OFFICER, name="Olive Officer")
    visit = factories.VisitFactory(
        service=service, status="planned", visited_on=None, planned_on=TODAY + timedelta(days=5)
    )
    form = form_values(page(client.get(f"/visits/{visit.id}/cancel")))
    response = client.post(f"/visits/{visit.id}/cancel", data={**form, "reason": ""})
    soup = page(response)
    assert response.status_code == 400
    assert error_summary(soup) == [("Enter why the visit is cancelled", "#reason")]
    response = client.post(f"/visits/{visit.id}/cancel", data={**form, "reason": "The home is closed for flooding"})
    assert response.status_code == 302
    db.session.refresh(visit)
    assert (visit.status, visit.cancelled_reason) == (VisitStatus.CANCELLED, "The home is closed for flooding")
    soup = page(client.get(f"/visits/{visit.id}"))
    assert "Cancelled" in text(soup.select_one("[data-testid=visit-status]"))
    assert "The home is closed for flooding" in text(soup.select_one("[data-testid=report-dates]"))
    rows = table_rows(soup, "[data-testid=audit-trail]")
    assert "Olive Officer" in rows[0][1] and "Status: planned → cancelled" in rows[0][2]


def test_a_logged_visit_cannot_be_cancelled(client, login_as, service):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory(service=service)
    response = client.post(f"/visits/{visit.id}/cancel", data={"reason": "Changed my mind"})
    assert response.status_code == 302
    db.session.refresh(visit)
    assert visit.status == VisitStatus.DRAFT
    soup = page(client.get(response.headers["Location"]))
    assert "Only a planned visit can be cancelled" in text(soup.select_one(".govuk-notification-banner"))


def test_next_planned_visit_is_the_earliest_from_today_per_service(app_ctx):
    first, second, unvisited = (factories.ServiceFactory() for _ in range(3))
    soon = factories.VisitFactory(service=first, status="planned", visited_on=None, planned_on=TODAY)
    factories.VisitFactory(service=first, status="planned", visited_on=None, planned_on=TODAY + timedelta(days=9))
    factories.VisitFactory(service=first, status="planned", visited_on=None, planned_on=TODAY - timedelta(days=1))
    later = factories.VisitFactory(
        service=second, status="planned", visited_on=None, planned_on=TODAY + timedelta(days=30)
    )
    factories.VisitFactory(service=second, status="cancelled", visited_on=None, planned_on=TODAY + timedelta(days=2))
    factories.VisitFactory(service=unvisited)
    found = visits.next_planned_visit(db.session, sa.select(Service.id), TODAY)
    assert {service_id: visit.id for service_id, visit in found.items()} == {first.id: soon.id, second.id: later.id}


def test_visits_for_a_service_are_newest_first_and_scoped_for_providers(app_ctx):
    service = factories.ServiceFactory()
    older = factories.VisitFactory(service=service, status="final", visited_on=TODAY - timedelta(days=200))
    draft = factories.VisitFactory(service=service, visited_on=TODAY - timedelta(days=3))
    planned = factories.VisitFactory(
        service=service, status="planned", visited_on=None, planned_on=TODAY + timedelta(days=20)
    )
    shared = factories.VisitFactory(service=service, status="shared", visited_on=TODAY - timedelta(days=40))
    officer = factories.UserFactory(role=Role.OFFICER)
    own = factories.UserFactory(role=Role.PROVIDER, provider=db.session.get(Provider, service.provider_id))
    stranger = factories.UserFactory(role=Role.PROVIDER, provider=factories.ProviderFactory())
    assert [v.id for v in visits.visits_for_service(db.session, officer, service.id)] == [
        planned.id, draft.id, shared.id, older.id
    ]  # fmt: skip
    assert [v.id for v in visits.visits_for_service(db.session, own, service.id)] == [shared.id, older.id]
    assert visits.visits_for_service(db.session, stranger, service.id) == []
