"""The provider portal's landing page: what is waiting, escalations and each service, for the provider's users only."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from provider_monitor.enums import STAFF_ROLES, ActionStatus, Role
from provider_monitor.extensions import db
from provider_monitor.models.action import ActionEvent
from provider_monitor.services.visit_rules import add_months
from tests import factories
from tests.helpers import counted_queries, page, text

TODAY = date.today()
URL = "/your-services"


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def maple(app_ctx):
    """Maple Care: Oak House (Good, a final report and a newer draft), Birch Court (suspended red, a shared report
    open for comments), Cedar Lodge (closed); a provider-wide level 1. Other Group: things Maple must never see."""
    provider = factories.ProviderFactory(name="Maple Care Ltd")
    oak = factories.ServiceFactory(name="Oak House", provider=provider)
    birch = factories.ServiceFactory(name="Birch Court", provider=provider)
    cedar = factories.ServiceFactory(name="Cedar Lodge", provider=provider, status="closed")
    factories.record_ratings(
        oak, factories.rating_state("2025-03-04", overall="Good", safe="Requires improvement", well_led="Good")
    )
    final = factories.VisitFactory(service=oak, status="final", visited_on=days(-100), summary="Final findings")
    draft = factories.VisitFactory(service=oak, status="draft", visited_on=days(-10), summary="Draft secret findings")
    shared = factories.VisitFactory(service=birch, status="shared", visited_on=days(-9), comments_due_on=days(5))
    closed_window = factories.VisitFactory(
        service=cedar, status="shared", visited_on=days(-60), comments_due_on=days(-1)
    )
    # Oak House: one action due soon (waiting), one later, one from the draft report (never shown).
    soon = factories.ActionFactory(service=oak, description="Update the fire risk assessment", due_on=days(10))
    factories.ActionFactory(service=oak, description="Refresh dementia training", due_on=days(60))
    factories.ActionFactory(service=oak, visit=draft, description="Draft-only action", due_on=days(3))
    # Birch Court: overdue, returned with a reason, evidence submitted past its date, verified.
    overdue = factories.ActionFactory(service=birch, visit=shared, description="Fix the call bells", due_on=days(-4))
    returned = factories.ActionFactory(
        service=birch, description="Publish the staffing rota", due_on=days(30), status="returned"
    )
    db.session.add(ActionEvent(action_id=returned.id, actor_label="Connie Contracts (Contract manager)",
                               from_status=ActionStatus.EVIDENCE_SUBMITTED, to_status=ActionStatus.RETURNED,
                               note="The rota does not cover nights"))  # fmt: skip
    db.session.commit()
    factories.ActionFactory(service=birch, description="Send the audit", due_on=days(-2), status="evidence_submitted")
    factories.ActionFactory(service=birch, description="Long done", due_on=days(-90), status="verified")
    suspended = factories.EscalationFactory(
        service=birch, level=3, suspension_status="red", next_review_on=days(12),
        conditions_to_step_down="Two clean medication audits in a row",
    )  # fmt: skip
    factories.EscalationDecisionFactory(escalation=suspended, reason="Whistleblower named the night nurse")
    factories.EscalationMeetingFactory(escalation=suspended, minutes="Internal: police enquiry under way")
    factories.EscalationTimerFactory(escalation=suspended, kind="appeal", due_on=days(3))
    factories.EscalationFactory(
        service=None, provider_id=provider.id, level=1, next_review_on=days(40),
        conditions_to_step_down="A provider-wide training plan",
    )  # fmt: skip

    other = factories.ServiceFactory(name="Secret Other House", provider__name="Other Group Ltd")
    other_visit = factories.VisitFactory(service=other, status="shared", comments_due_on=days(6))
    factories.ActionFactory(service=other, visit=other_visit, description="Secret Other action", due_on=days(-1))
    factories.EscalationFactory(service=other, level=2, conditions_to_step_down="Secret Other conditions")
    return SimpleNamespace(**locals())


def card(soup, name):
    for element in soup.select("[data-testid=service-card]"):
        if text(element.select_one(".govuk-summary-card__title")).startswith(name):
            return element
    raise AssertionError(f"no card for {name}")


def rows(element) -> dict[str, str]:
    return {
        text(row.select_one(".govuk-summary-list__key")): text(row.select_one(".govuk-summary-list__value"))
        for row in element.select(".govuk-summary-list__row")
    }


def test_waiting_for_you_lists_open_reports_and_actions_due(client, login_as, maple):
    login_as(Role.PROVIDER, provider=maple.provider)
    response = client.get(URL)
    assert response.status_code == 200
    soup = page(response)
    waiting = soup.select_one("[data-testid=waiting]")
    reports = [text(li) for li in waiting.select("[data-testid=reports-to-comment] li")]
    assert reports == [f"Birch Court: report of the visit on {_day(days(-9))} Comment by {_day(days(5))} — 5 days left"]
    link = waiting.select_one("[data-testid=reports-to-comment] a")["href"]
    assert link == f"/visits/{maple.shared.id}"
    actions = [text(li) for li in waiting.select("[data-testid=actions-waiting] li")]
    assert actions == [
        f"Fix the call bells Birch Court. Overdue Was due {_day(days(-4))}.",
        f"Update the fire risk assessment Oak House. Due by {_day(days(10))} — 10 days left.",
        f"Publish the staffing rota Birch Court. Due by {_day(days(30))} — 30 days left. "
        "Returned Reason: The rota does not cover nights",
    ]
    hrefs = [a["href"] for a in waiting.select("[data-testid=actions-waiting] a")]
    assert hrefs == [f"/actions/{a.id}" for a in (maple.overdue, maple.soon, maple.returned)]
    assert soup.select_one("[data-testid=nothing-waiting]") is None


def test_escalations_show_level_suspension_conditions_and_review_but_nothing_internal(client, login_as, maple):
    login_as(Role.PROVIDER, provider=maple.provider)
    body = client.get(URL).get_data(as_text=True)
    soup = page(client.get(URL))
    cards = soup.select("[data-testid=portal-escalations] [data-testid=escalation-card]")
    titles = [text(c.select_one(".govuk-summary-card__title")) for c in cards]
    assert titles == ["All your services", "Birch Court"]
    wide, birch = rows(cards[0]), rows(cards[1])
    assert wide["Level"].startswith("Level 1")
    assert wide["Conditions to step down"] == "A provider-wide training plan"
    assert wide["Next review"] == _day(days(40))
    assert wide["Placements"] == "Not suspended"
    assert birch["Level"].startswith("Level 3: suspended – red")
    assert birch["Placements"] == "Red – no new placements"
    assert birch["Conditions to step down"] == "Two clean medication audits in a row"
    assert birch["Next review"] == _day(days(12))
    assert birch["Deadlines"] == f"Provider appeal window: due {_day(days(3))}"
    assert "Whistleblower" not in body and "police enquiry" not in body


def test_each_service_card_shows_ratings_last_report_due_month_actions_and_level(client, login_as, maple):
    login_as(Role.PROVIDER, provider=maple.provider)
    soup = page(client.get(URL))
    titles = [text(c.select_one(".govuk-summary-card__title")) for c in soup.select("[data-testid=service-card]")]
    assert titles == ["Birch Court", "Oak House", "Cedar Lodge Closed"]  # active first, then by name

    oak = rows(card(soup, "Oak House"))
    assert oak["CQC Overall"] == "Good published 4 March 2025"
    assert "Safe: Requires improvement" in oak["Key questions"]
    assert oak["Last monitoring visit"] == f"Visit on {_day(days(-100))} (final report)"
    assert card(soup, "Oak House").select_one("a[href^='/visits/']")["href"] == f"/visits/{maple.final.id}"
    # Good is 12 months, capped at 3 by the provider-wide enhanced monitoring, from the newest visit.
    assert oak["Next monitoring"] == f"Next routine monitoring visit due by {add_months(days(-10), 3):%B %Y}"
    assert oak["Open actions"] == "2 open: 2 in time"
    assert oak["Escalation"] == "Level 1 Enhanced monitoring (all your services)"

    birch = rows(card(soup, "Birch Court"))
    assert birch["CQC Overall"] == "Not rated"
    assert birch["Last monitoring visit"] == f"Visit on {_day(days(-9))} (report shared for comments)"
    assert birch["Open actions"] == "3 open: 1 overdue 2 in time"
    assert birch["Escalation"].startswith("Level 3: suspended – red")

    cedar = rows(card(soup, "Cedar Lodge"))
    assert cedar["Next monitoring"] == "Not monitored while the service is closed"
    assert card(soup, "Oak House").select_one(".govuk-summary-card__title a")["href"] == f"/services/{maple.oak.id}"


def test_draft_reports_their_actions_and_other_providers_never_appear(client, login_as, maple):
    login_as(Role.PROVIDER, provider=maple.provider)
    body = client.get(URL).get_data(as_text=True)
    for secret in ("Draft secret findings", "Draft-only action", f"/visits/{maple.draft.id}"):
        assert secret not in body
    for secret in ("Secret Other", "Other Group Ltd", f"/visits/{maple.other_visit.id}"):
        assert secret not in body
    # No planned visit dates: visits may be unannounced.
    assert "planned" not in body.lower()


def test_nothing_waiting_and_no_escalation(client, login_as, app_ctx):
    provider = factories.ProviderFactory(name="Quiet Care")
    factories.ServiceFactory(name="Quiet House", provider=provider)
    factories.ActionFactory(service=factories.ServiceFactory(provider=provider), due_on=days(40))
    login_as(Role.PROVIDER, provider=provider)
    soup = page(client.get(URL))
    assert text(soup.select_one("[data-testid=nothing-waiting]")) == "Nothing is waiting for you."
    assert soup.select_one("[data-testid=no-escalation]") is not None
    assert rows(card(soup, "Quiet House"))["Next monitoring"] == "Next routine monitoring visit due now"


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_are_refused(client, login_as, role):
    login_as(role)
    assert client.get(URL).status_code == 403


def test_home_sends_provider_users_to_their_services_and_shows_staff_their_flags(client, login_as, app_ctx):
    login_as(Role.PROVIDER)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    login_as(Role.OFFICER)
    assert client.get("/").status_code == 200


def _add_services(provider, count):
    for n in range(count):
        service = factories.ServiceFactory(provider=provider)
        factories.record_ratings(service, factories.rating_state("2025-01-01", overall="Good"))
        visit = factories.VisitFactory(service=service, status="shared", comments_due_on=days(3))
        factories.ActionFactory(service=service, visit=visit, due_on=days(-n - 1))
        factories.ActionFactory(service=service, status="returned", due_on=days(20))
        factories.EscalationFactory(service=service, level=1 + n % 2)


def test_the_page_runs_a_fixed_number_of_queries(client, login_as, app_ctx):
    provider = factories.ProviderFactory()
    factories.EscalationFactory(service=None, provider_id=provider.id, level=1)
    _add_services(provider, 1)
    login_as(Role.PROVIDER, provider=provider)
    with counted_queries() as one:
        assert len(page(client.get(URL)).select("[data-testid=service-card]")) == 1
    _add_services(provider, 4)
    with counted_queries() as five:
        assert len(page(client.get(URL)).select("[data-testid=service-card]")) == 5
    assert len(five) == len(one)


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"
