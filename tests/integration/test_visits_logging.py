"""Logging a visit in steps: drafts, bad input kept, lost updates refused, and the routine visit clock."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import LocalRating, Role, VisitStatus
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, Service, Visit
from provider_monitor.models.visit import VisitFinding
from provider_monitor.services.visit_policy import due_dates
from tests import factories
from tests.conftest import sign_in_client
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text

TODAY = date.today()
CONTINUE = {"save": "Save and continue"}
DRAFT = {"save_draft": "Save as draft and come back later"}
FINDINGS = {
    "safe_judgement": "Requires improvement", "safe_evidence": "Two MAR charts unsigned.\nNo PRN protocols.",
    "effective_judgement": "Good", "caring_judgement": "Good", "responsive_judgement": "Good",
    "well_led_judgement": "not_judged",
}  # fmt: skip
COMPLIANCE = {"terms_result": "met", "specification_result": "partly_met", "specification_notes": "Rota short",
              "best_practice_result": "met", "legal_duties_result": "not_assessed"}  # fmt: skip


def _days_ago(days: int) -> list[str]:
    day = TODAY - timedelta(days=days)
    return [str(day.day), str(day.month), str(day.year)]


def _submit(client, url: str, changes: dict, button: dict = CONTINUE):
    """Post the step's form as the page shows it, with these answers changed."""
    return client.post(url, data={**form_values(page(client.get(url))), **changes, **button})


@pytest.fixture
def service(app_ctx):
    return factories.ServiceFactory(name="Willow Bank")


def _log_unplanned(client, service, full_quality="no", days=3):
    response = _submit(
        client, f"/services/{service.id}/visits/log",
        {"visited_on": _days_ago(days), "purpose": "concern", "full_quality_visit": full_quality},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalars(sa.select(Visit).order_by(Visit.id.desc())).first()


def test_an_unplanned_visit_is_logged_step_by_step(client, login_as, service):
    officer = login_as(Role.OFFICER, name="Olive Officer")
    visit = _log_unplanned(client, service)
    assert (visit.status, visit.kind, visit.logged_by_id, visit.steps_completed) == (
        VisitStatus.DRAFT, "unplanned", officer.id, 1
    )  # fmt: skip
    assert visit.logged_at is not None and visit.visited_on == TODAY - timedelta(days=3)
    base = f"/visits/{visit.id}/steps"
    people = {"spoke_to": ["spoke_to_staff", "spoke_to_manager"], "people_spoken_to_notes": "Night staff too"}
    for step, changes, following in [
        ("people", people, f"{base}/findings"),
        ("findings", FINDINGS, f"{base}/compliance"),
        ("compliance", COMPLIANCE, f"{base}/outcome"),
        ("outcome", {"local_rating": "Requires improvement", "summary": "Medicines need work."}, f"/visits/{visit.id}"),
    ]:
        response = _submit(client, f"{base}/{step}", changes)
        assert (response.status_code, response.headers["Location"]) == (302, following), step
    soup = page(client.get(f"/visits/{visit.id}"))
    assert "Check your answers" in text(soup.select_one(".govuk-notification-banner"))
    findings = text(soup.select_one("[data-testid=section-findings]"))
    assert "Safe Requires improvement Two MAR charts unsigned. No PRN protocols." in findings
    assert "Well-led Not judged" in findings
    assert "Service specification Partly met Rota short" in text(soup.select_one("[data-testid=section-compliance]"))
    assert "Staff, The manager" in text(soup.select_one("[data-testid=section-people]"))
    change = soup.select_one("[data-testid=section-findings] .govuk-summary-card__actions a")
    assert change["href"] == f"{base}/findings" and text(change) == "Change (Findings)"
    db.session.refresh(visit)
    assert visit.steps_completed == 5 and visit.local_rating == LocalRating.REQUIRES_IMPROVEMENT
    assert soup.select_one("form[action$='/share']") is not None
    history = " ".join(row[2] for row in table_rows(soup, "[data-testid=audit-trail]"))
    assert "Safe judgement: (blank) → Requires improvement" in history


def test_a_planned_visit_is_logged_from_its_page(client, login_as, service):
    officer = login_as(Role.OFFICER)
    visit = factories.VisitFactory(
        service=service, status="planned", visited_on=None, planned_on=TODAY - timedelta(days=1), steps_completed=0,
        officers=[officer],
    )  # fmt: skip
    response = client.post(f"/visits/{visit.id}/start")
    assert response.headers["Location"] == f"/visits/{visit.id}/steps/details"
    values = form_values(page(client.get(response.headers["Location"])))
    assert values["visited_on"] == _days_ago(1) and values["kind"] == "planned"
    assert client.post(f"/visits/{visit.id}/steps/details", data={**values, **CONTINUE}).status_code == 302
    db.session.refresh(visit)
    assert (visit.status, visit.visited_on, visit.logged_by_id) == (VisitStatus.DRAFT, TODAY - timedelta(1), officer.id)
    changes = db.session.scalars(
        sa.select(AuditEvent.changes).where(AuditEvent.entity_type == "visit", AuditEvent.action == "update")
    ).all()
    assert any(c.get("status") == ["planned", "draft"] for c in changes)


def test_later_steps_wait_for_the_visit_details(client, login_as, service):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory(
        service=service, status="planned", visited_on=None, planned_on=TODAY + timedelta(days=4), steps_completed=0
    )
    response = client.get(f"/visits/{visit.id}/steps/findings")
    assert response.headers["Location"] == f"/visits/{visit.id}/steps/details"
    # A visit planned for later cannot be logged as happening in the future.
    values = form_values(page(client.get(response.headers["Location"])))
    assert values["visited_on"] == ["", "", ""]
    tomorrow = TODAY + timedelta(days=1)
    response = _submit(
        client, f"/visits/{visit.id}/steps/details",
        {"visited_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)], "officers": []},
    )  # fmt: skip
    soup = page(response)
    assert response.status_code == 400
    assert error_summary(soup) == [
        ("Date of the visit must be today or in the past", "#visited_on-day"),
        ("Select at least one officer", "#officers"),
    ]
    db.session.refresh(visit)
    assert visit.status == VisitStatus.PLANNED


def test_a_draft_is_saved_part_way_and_picked_up_there(client, login_as, service):
    login_as(Role.OFFICER)
    visit = _log_unplanned(client, service)
    url = f"/visits/{visit.id}/steps/findings"
    response = _submit(client, url, {"safe_judgement": "Inadequate", "safe_evidence": "No fire risk assessment"}, DRAFT)
    assert response.headers["Location"] == f"/visits/{visit.id}"
    soup = page(client.get(f"/visits/{visit.id}"))
    assert "Your draft has been saved" in text(soup.select_one(".govuk-notification-banner"))
    assert soup.find("a", string="Continue logging the visit")["href"] == url
    problems = [text(li) for li in soup.select("[data-testid=share-problems] li")]
    assert "Choose a judgement for Effective, or ‘Not judged’" in problems
    assert soup.select_one("form[action$='/share']") is None
    values = form_values(page(client.get(url)))
    assert values["safe_judgement"] == "Inadequate" and values["safe_evidence"] == "No fire risk assessment"
    assert "effective_judgement" not in values


def test_bad_input_in_a_step_is_explained_and_kept(client, login_as, service):
    login_as(Role.OFFICER)
    visit = _log_unplanned(client, service)
    url = f"/visits/{visit.id}/steps/findings"
    response = _submit(client, url, {"safe_evidence": "Call bells unanswered", "caring_judgement": "Good"})
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.text.startswith("Error:")
    assert error_summary(soup) == [
        (f"Choose a judgement for {q}, or ‘Not judged’", f"#{q.lower().replace('-', '_')}_judgement")
        for q in ("Safe", "Effective", "Responsive", "Well-led")
    ]
    assert field_error(soup, "safe_judgement") == "Choose a judgement for Safe, or ‘Not judged’"
    kept = form_values(soup)
    assert kept["safe_evidence"] == "Call bells unanswered" and kept["caring_judgement"] == "Good"
    assert db.session.scalar(sa.select(sa.func.count(VisitFinding.id))) == 0


def _colleague_client(app, name):
    other = app.test_client()
    sign_in_client(app, other, factories.UserFactory(role=Role.OFFICER, name=name))
    return other


@pytest.mark.parametrize("step", ["outcome", "findings"])
def test_a_stale_step_is_refused_keeping_what_was_typed(app, client, login_as, service, step):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory(service=service)
    url = f"/visits/{visit.id}/steps/{step}"
    mine = {**form_values(page(client.get(url))), **FINDINGS, "local_rating": "Inadequate", "summary": "Mine"}
    colleague = _colleague_client(app, "Carl Colleague")
    assert _submit(colleague, url, {**FINDINGS, "safe_judgement": "Good", "local_rating": "Good"}).status_code == 302

    response = client.post(url, data={**mine, **CONTINUE})
    soup = page(response)
    assert response.status_code == 409
    summary = text(soup.select_one(".govuk-error-summary"))
    assert "Your changes have not been saved" in summary and "Carl Colleague changed this visit" in summary
    kept = form_values(soup)
    if step == "outcome":
        assert (kept["local_rating"], kept["summary"]) == ("Inadequate", "Mine")
        assert ["Overall local quality rating", "Good", "Inadequate"] in table_rows(soup, "[data-testid=conflict]")
    else:
        assert kept["safe_judgement"] == "Requires improvement"
        assert ["Local judgement for Safe", "Good", "Requires improvement"] in table_rows(
            soup, "[data-testid=conflict]"
        )
    # Saving again, now knowing what the colleague did, keeps the editor's answers.
    assert client.post(url, data={**kept, **CONTINUE}).status_code == 302


def test_a_shared_report_can_no_longer_be_edited(client, login_as, service):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory(service=service, status="shared", local_rating="Good")
    url = f"/visits/{visit.id}/steps/outcome"
    response = client.get(url)
    assert response.headers["Location"] == f"/visits/{visit.id}"
    banner = text(page(client.get(response.headers["Location"])).select_one(".govuk-notification-banner"))
    assert "shared with the provider" in banner and "can no longer be changed" in banner
    response = client.post(url, data={"local_rating": "Inadequate", "summary": "Late change", **CONTINUE})
    soup = page(response)
    assert response.status_code == 409
    assert "can no longer be changed" in text(soup.select_one(".govuk-error-summary"))
    assert form_values(soup)["summary"] == "Late change"
    db.session.refresh(visit)
    assert visit.local_rating == LocalRating.GOOD


def _last_visit_on(service_id):
    return due_dates(db.session, sa.select(Service.id).where(Service.id == service_id), TODAY)[service_id].last_visit_on


def test_only_a_full_quality_unplanned_visit_resets_the_routine_clock(client, login_as):
    login_as(Role.OFFICER)
    concern_only, full, planned = (factories.ServiceFactory() for _ in range(3))
    _log_unplanned(client, concern_only, full_quality="no", days=5)
    assert _last_visit_on(concern_only.id) is None
    _log_unplanned(client, full, full_quality="yes", days=5)
    assert _last_visit_on(full.id) == TODAY - timedelta(days=5)
    response = _submit(
        client, f"/services/{planned.id}/visits/log",
        {"visited_on": _days_ago(6), "kind": "planned", "purpose": "quality_audit", "full_quality_visit": "no"},
    )  # fmt: skip
    assert response.status_code == 302
    assert _last_visit_on(planned.id) == TODAY - timedelta(days=6)
    assert db.session.scalar(sa.select(Visit.full_quality_visit).where(Visit.service_id == planned.id)) is False


def test_the_outcome_step_lists_the_actions_the_visit_raised(app, client, login_as, service):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory(service=service)
    factories.ActionFactory(service=service, visit=visit, description="Sign every MAR chart")
    factories.ActionFactory(service=service, description="From another visit")
    soup = page(client.get(f"/visits/{visit.id}/steps/outcome"))
    rows = table_rows(soup, "[data-testid=visit-actions]")
    assert len(rows) == 1 and rows[0][0].startswith("Sign every MAR chart") and rows[0][2] == "Open"
    link = soup.find("a", string="Raise an action from this visit")
    if "actions.new" in app.view_functions:
        assert f"visit_id={visit.id}" in link["href"]
    else:
        assert link is None


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.ADMIN])
def test_contract_managers_and_admins_do_not_log_visits(client, login_as, service, role):
    login_as(role)
    visit = factories.VisitFactory(service=service)
    assert client.get(f"/visits/{visit.id}/steps/details").status_code == 403
    assert client.post(f"/visits/{visit.id}/steps/people", data={"spoke_to": "spoke_to_staff"}).status_code == 403
    assert client.post(f"/visits/{visit.id}/start").status_code == 403
    assert client.get(f"/visits/{visit.id}").status_code == 200


def test_an_unknown_step_is_not_found(client, login_as, service):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory(service=service)
    assert client.get(f"/visits/{visit.id}/steps/summary").status_code == 404
    assert client.get(f"/visits/{visit.id + 1}/steps/details").status_code == 404
