"""The visit report: shared with the provider, finalised by a manager, printed; who sees what."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import KeyQuestion, Role, VisitStatus
from provider_monitor.extensions import db
from provider_monitor.models import Provider, Visit
from provider_monitor.models.visit import VisitCompliance, VisitFinding
from provider_monitor.models.visit_policy import VisitPolicySettings
from tests import factories
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text

TODAY = date.today()
QUESTIONS = [q for q in KeyQuestion if q != KeyQuestion.OVERALL]


@pytest.fixture
def provider(app_ctx):
    return factories.ProviderFactory(name="Trent Valley Care")


@pytest.fixture
def service(provider):
    return factories.ServiceFactory(name="Willow Bank", provider=provider, address_line_1="1 Mill Lane")


def _complete_visit(service, **values) -> Visit:
    """A logged visit with every finding judged and an overall rating: ready to share."""
    officer = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    values = {"local_rating": "Good", "summary": "A settled, caring home.", "spoke_to_staff": True} | values
    visit = factories.VisitFactory(service=service, officers=[officer], **values)
    for question in QUESTIONS:
        judgement = None if question == KeyQuestion.WELL_LED else "Good"
        db.session.add(VisitFinding(visit_id=visit.id, key_question=question, judgement=judgement, evidence="Seen"))
    db.session.add(VisitCompliance(visit_id=visit.id, area="terms", result="met", notes="All in place"))
    db.session.commit()
    return visit


def _share(client, visit):
    return client.post(f"/visits/{visit.id}/share", data=form_values(page(client.get(f"/visits/{visit.id}")),
                                                                     "form[action$='/share']"))  # fmt: skip


def test_an_officer_shares_a_complete_report(client, login_as, service):
    officer = login_as(Role.OFFICER, name="Sam Sharer")
    visit = _complete_visit(service)
    response = _share(client, visit)
    assert response.status_code == 302
    db.session.refresh(visit)
    assert visit.status == VisitStatus.SHARED and visit.shared_by_id == officer.id
    assert visit.comments_due_on == TODAY + timedelta(days=14)
    soup = page(client.get(f"/visits/{visit.id}"))
    banner = text(soup.select_one(".govuk-notification-banner"))
    assert "shared with Trent Valley Care" in banner and "to comment on its factual accuracy" in banner
    dates = text(soup.select_one("[data-testid=report-dates]"))
    assert "Shared with the provider" in dates and "by Sam Sharer" in dates
    assert f"Factual-accuracy comments due {(TODAY + timedelta(days=14)).day}" in dates
    assert soup.select_one(".govuk-summary-card__actions") is None  # no more Change links
    assert any("Status: draft → shared" in row[2] for row in table_rows(soup, "[data-testid=audit-trail]"))


def test_the_comment_window_comes_from_the_visit_policy(client, login_as, service):
    login_as(Role.MANAGER)
    db.session.add(VisitPolicySettings(id=1, comment_window_days=10))
    db.session.commit()
    visit = _complete_visit(service)
    assert _share(client, visit).status_code == 302
    db.session.refresh(visit)
    assert visit.comments_due_on == TODAY + timedelta(days=10)


def test_an_incomplete_report_is_not_shared_and_says_what_is_missing(client, login_as, service):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory(service=service)
    response = client.post(f"/visits/{visit.id}/share", data={"version_id": str(visit.version_id)})
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.text.startswith("Error:")
    problems = error_summary(soup)
    assert ("Choose a judgement for Safe, or ‘Not judged’", f"/visits/{visit.id}/steps/findings") in problems
    assert ("Choose the overall local quality rating", f"/visits/{visit.id}/steps/outcome") in problems
    db.session.refresh(visit)
    assert visit.status == VisitStatus.DRAFT


def test_a_report_changed_since_the_page_was_opened_is_not_shared(client, login_as, service):
    login_as(Role.OFFICER)
    visit = _complete_visit(service)
    response = client.post(f"/visits/{visit.id}/share", data={"version_id": str(visit.version_id - 1)})
    assert response.status_code == 409
    assert "Your changes have not been saved" in text(page(response).select_one(".govuk-error-summary"))
    db.session.refresh(visit)
    assert visit.status == VisitStatus.DRAFT


def test_contract_managers_cannot_share_and_officers_cannot_finalise(client, login_as, service):
    visit = _complete_visit(service)
    login_as(Role.CONTRACT_MANAGER)
    assert client.post(f"/visits/{visit.id}/share", data={}).status_code == 403
    soup = page(client.get(f"/visits/{visit.id}"))
    assert soup.select_one("form[action$='/share']") is None
    login_as(Role.OFFICER)
    visit.status, visit.comments_due_on = VisitStatus.SHARED, TODAY - timedelta(days=1)
    db.session.commit()
    assert client.post(f"/visits/{visit.id}/finalise", data={"confirm_early": "y"}).status_code == 403
    assert page(client.get(f"/visits/{visit.id}")).select_one("form[action$='/finalise']") is None


def _shared(service, due: date) -> Visit:
    return _complete_visit(service, status="shared", shared_at=datetime.now(UTC), comments_due_on=due)


def test_a_manager_finalises_early_only_by_confirming(client, login_as, service):
    manager = login_as(Role.MANAGER, name="Mo Manager")
    visit = _shared(service, TODAY + timedelta(days=5))
    form = form_values(page(client.get(f"/visits/{visit.id}")), "form[action$='/finalise']")
    response = client.post(f"/visits/{visit.id}/finalise", data=form)
    soup = page(response)
    assert response.status_code == 400
    message = error_summary(soup)[0][0]
    assert message.startswith("The provider has until") and "Finalise before the comment window closes" in message
    assert error_summary(soup)[0][1] == "#confirm_early"
    assert field_error(soup, "confirm_early") == message
    db.session.refresh(visit)
    assert visit.status == VisitStatus.SHARED
    response = client.post(f"/visits/{visit.id}/finalise", data={**form, "confirm_early": "y"})
    assert response.status_code == 302
    db.session.refresh(visit)
    assert (visit.status, visit.finalised_by_id) == (VisitStatus.FINAL, manager.id)
    dates = text(page(client.get(f"/visits/{visit.id}")).select_one("[data-testid=report-dates]"))
    assert "Finalised" in dates and "by Mo Manager" in dates


def test_after_the_comment_window_a_manager_just_finalises(client, login_as, service):
    login_as(Role.MANAGER)
    visit = _shared(service, TODAY - timedelta(days=1))
    soup = page(client.get(f"/visits/{visit.id}"))
    assert soup.select_one("#confirm_early") is None
    assert (
        client.post(f"/visits/{visit.id}/finalise", data=form_values(soup, "form[action$='/finalise']")).status_code
        == 302
    )
    db.session.refresh(visit)
    assert visit.status == VisitStatus.FINAL


def test_a_provider_sees_only_shared_and_final_reports_of_their_own(client, login_as, service, provider):
    draft = _complete_visit(service)
    planned = factories.VisitFactory(service=service, status="planned", visited_on=None, planned_on=TODAY)
    shared = _shared(service, TODAY + timedelta(days=3))
    final = _complete_visit(service, status="final", finalised_at=datetime.now(UTC))
    other = _shared(factories.ServiceFactory(name="Secret Other House"), TODAY)
    factories.ActionFactory(service=service, visit=shared, description="Sign every MAR chart")
    login_as(Role.PROVIDER, provider=db.session.get(Provider, provider.id))
    for hidden in (draft, planned, other):
        for path in (f"/visits/{hidden.id}", f"/visits/{hidden.id}/report"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "Secret Other House" not in response.get_data(as_text=True)
    for visible in (shared, final):
        assert client.get(f"/visits/{visible.id}").status_code == 200
        assert client.get(f"/visits/{visible.id}/report").status_code == 200
    soup = page(client.get(f"/visits/{shared.id}"))
    main = text(soup.select_one("main"))
    assert "A settled, caring home." in main and "Sign every MAR chart" in main
    assert soup.select_one("[data-testid=audit-trail]") is None
    # The only form is the provider's factual-accuracy comment.
    assert [form["action"] for form in soup.select("main form")] == [f"/visits/{shared.id}/comments"]
    assert soup.select_one(".govuk-summary-card__actions") is None
    assert soup.find("a", string="Raise an action from this visit") is None


def test_the_printable_report(client, login_as, service):
    login_as(Role.OFFICER)
    visit = _shared(service, TODAY + timedelta(days=3))
    factories.ActionFactory(service=service, visit=visit, description="Sign every MAR chart")
    soup = page(client.get(f"/visits/{visit.id}"))
    assert soup.find("a", string="Print this report")["href"] == f"/visits/{visit.id}/report"
    response = client.get(f"/visits/{visit.id}/report")
    soup = page(response)
    assert response.status_code == 200
    facts = dict(table for table in (row[:2] for row in _summary_rows(soup.select_one("[data-testid=report-facts]"))))
    assert facts["Provider"] == "Trent Valley Care"
    assert facts["Officers"] == "Olive Officer"
    assert facts["Report status"] == "Shared with provider"
    report = text(soup.select_one("[data-testid=visit-report]"))
    for expected in ("Willow Bank", "Staff", "Safe Good Seen", "Well-led Not judged",
                     "Contract terms and conditions Met All in place", "Overall local quality rating Good",
                     "Sign every MAR chart"):  # fmt: skip
        assert expected in report
    assert soup.select_one(".pm-report .govuk-summary-card__actions") is None
    assert soup.select_one(".govuk-back-link.pm-no-print")["href"] == f"/visits/{visit.id}"


def _summary_rows(element):
    return [
        [text(row.select_one(".govuk-summary-list__key")), text(row.select_one(".govuk-summary-list__value"))]
        for row in element.select(".govuk-summary-list__row")
    ]


def test_a_draft_has_no_printable_report_yet(client, login_as, service):
    login_as(Role.OFFICER)
    visit = _complete_visit(service)
    response = client.get(f"/visits/{visit.id}/report")
    assert response.headers["Location"] == f"/visits/{visit.id}"


def test_workflow_buttons_need_a_csrf_token(app, client, login_as, service):
    login_as(Role.MANAGER)
    visit = _complete_visit(service)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for action in ("share", "finalise", "cancel", "start"):
            assert client.post(f"/visits/{visit.id}/{action}", data={"reason": "x"}).status_code == 400, action
        assert client.post(f"/visits/{visit.id}/steps/outcome", data={"local_rating": "Good"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(visit)
    assert visit.status == VisitStatus.DRAFT


def test_notes_are_escaped(client, login_as, service):
    login_as(Role.OFFICER)
    visit = _complete_visit(service, summary='<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    body = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1
