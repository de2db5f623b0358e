"""The service page's monitoring summary and timeline: order, links and what a provider may see."""

from datetime import UTC, date, datetime, timedelta

import pytest

from provider_monitor.enums import ActionStatus, Role
from provider_monitor.extensions import db
from provider_monitor.models.action import ActionEvent
from provider_monitor.models.provider import Provider
from provider_monitor.services import timeline
from provider_monitor.services.exceptions import NotFound
from provider_monitor.services.visit_rules import add_months
from tests import factories
from tests.helpers import counted_queries, page, text

TODAY = date.today()


def moment(days_ago: int, hour: int = 10) -> datetime:
    day = TODAY - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def story(app_ctx):
    """A service with a year of monitoring: visits in every status, actions with their events, two ratings."""
    officer = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    manager = factories.UserFactory(role=Role.MANAGER, name="Mona Manager")
    service = factories.ServiceFactory(name="Birch House", link_officer=officer)
    factories.record_ratings(
        service,
        factories.rating_state(str(TODAY - timedelta(days=400)), overall="Good"),
        factories.rating_state(str(TODAY - timedelta(days=100)), overall="Requires improvement"),
    )
    final = factories.VisitFactory(
        service=service, visited_on=TODAY - timedelta(days=200), status="final", local_rating="Good",
        created_at=moment(210), created_by_id=officer.id, logged_by_id=officer.id, shared_at=moment(190),
        shared_by_id=officer.id, finalised_at=moment(170), finalised_by_id=manager.id, officers=[officer],
    )  # fmt: skip
    shared = factories.VisitFactory(
        service=service, visited_on=TODAY - timedelta(days=60), status="shared", created_at=moment(70),
        shared_at=moment(50), shared_by_id=officer.id, comments_due_on=TODAY - timedelta(days=36),
    )  # fmt: skip
    draft = factories.VisitFactory(
        service=service, visited_on=TODAY - timedelta(days=20), status="draft", created_at=moment(25),
        logged_by_id=officer.id, summary="Secret draft findings",
    )  # fmt: skip
    planned = factories.VisitFactory(
        service=service, status="planned", visited_on=None, planned_on=TODAY + timedelta(days=7), created_at=moment(5),
        created_by_id=officer.id,
    )  # fmt: skip
    cancelled = factories.VisitFactory(
        service=service, status="cancelled", visited_on=None, planned_on=TODAY - timedelta(days=90),
        created_at=moment(120), updated_at=moment(95), cancelled_reason="Manager on leave, internal note",
    )  # fmt: skip
    action = factories.ActionFactory(
        service=service, visit=final, description="Update care plans", created_at=moment(169), status="returned"
    )
    for days, start, to, note in [
        (169, None, ActionStatus.OPEN, "Action raised from a visit"),
        (150, ActionStatus.OPEN, ActionStatus.IN_PROGRESS, "Started the review"),
        (140, ActionStatus.IN_PROGRESS, ActionStatus.EVIDENCE_SUBMITTED, None),
        (130, ActionStatus.EVIDENCE_SUBMITTED, ActionStatus.RETURNED, "Photos unreadable"),
    ]:
        db.session.add(
            ActionEvent(action=action, at=moment(days), actor_label="Someone (role)", from_status=start, to_status=to,
                        note=note)
        )  # fmt: skip
    db.session.commit()
    hidden_action = factories.ActionFactory(
        service=service, visit=draft, description="Secret draft action", created_at=moment(19)
    )
    return {
        "service": service, "officer": officer, "final": final, "shared": shared, "draft": draft,
        "planned": planned, "cancelled": cancelled, "action": action, "hidden_action": hidden_action,
    }  # fmt: skip


def titles(entries) -> list[str]:
    return [e.title for e in entries]


def test_the_staff_timeline_is_newest_first(story):
    viewer = factories.UserFactory(role=Role.OFFICER)
    entries = timeline.service_timeline(db.session, viewer, story["service"].id)
    assert [e.sort_key for e in entries] == sorted((e.sort_key for e in entries), reverse=True)
    assert titles(entries) == [
        "Planned visit (scheduled quality audit) planned",
        "Action raised: Secret draft action",
        "Planned visit (scheduled quality audit) took place",
        "Visit report shared with the provider",
        "Planned visit (scheduled quality audit) took place",
        "Planned visit (scheduled quality audit) cancelled",
        "CQC ratings published: Overall Requires improvement",
        "Planned visit (scheduled quality audit) planned",
        "Evidence returned: Update care plans",
        "Action marked evidence submitted: Update care plans",
        "Action marked in progress: Update care plans",
        "Action raised: Update care plans",
        "Visit report finalised",
        "Visit report shared with the provider",
        "Planned visit (scheduled quality audit) took place",
        "CQC ratings published: Overall Good",
    ]
    by_title = {e.title: e for e in entries}
    assert by_title["Evidence returned: Update care plans"].details == ["Photos unreadable"]
    raised = by_title["Action raised: Update care plans"]
    assert raised.details == [
        f"Corrective (must), medium priority, due {story['action'].due_on.day} {story['action'].due_on:%B %Y}",
        "Action raised from a visit",
    ]
    assert (raised.endpoint, raised.args) == ("actions.view", {"action_id": story["action"].id})
    decline = by_title["CQC ratings published: Overall Requires improvement"]
    assert decline.tag == "decline" and decline.details == [
        "Overall: Good → Requires improvement (decline, high severity)"
    ]
    finalised = by_title["Visit report finalised"]
    assert (finalised.who, finalised.endpoint, finalised.args) == (
        "Mona Manager",
        "visits.view",
        {"visit_id": story["final"].id},
    )
    assert (
        "Reason: Manager on leave, internal note"
        in by_title["Planned visit (scheduled quality audit) cancelled"].details
    )


def test_a_provider_sees_only_shared_reports_and_their_actions(story):
    provider = db.session.get(Provider, story["service"].provider_id)
    provider_user = factories.UserFactory(role=Role.PROVIDER, provider=provider)
    entries = timeline.service_timeline(db.session, provider_user, story["service"].id)
    shown = titles(entries)
    assert "Visit report finalised" in shown and shown.count("Visit report shared with the provider") == 2
    assert not any("planned" in t or "cancelled" in t for t in shown)
    assert "Action raised: Secret draft action" not in shown
    assert "Evidence returned: Update care plans" in shown
    visit_ids = {e.args.get("visit_id") for e in entries if e.kind == "visit"}
    assert visit_ids == {story["final"].id, story["shared"].id}
    assert all("internal note" not in " ".join(e.details) for e in entries)


def test_another_providers_user_cannot_read_the_timeline(story):
    outsider = factories.UserFactory(role=Role.PROVIDER, provider=factories.ProviderFactory())
    with pytest.raises(NotFound):
        timeline.service_timeline(db.session, outsider, story["service"].id)


def test_the_timeline_runs_a_fixed_number_of_queries(story):
    viewer = factories.UserFactory(role=Role.OFFICER)
    service_id = story["service"].id
    db.session.expire_all()
    with counted_queries() as few:
        timeline.service_timeline(db.session, viewer, service_id)
    for _ in range(6):
        visit = factories.VisitFactory(service_id=service_id, officers=[factories.UserFactory()])
        factories.ActionFactory(service_id=service_id, visit=visit)
    db.session.expire_all()
    with counted_queries() as many:
        timeline.service_timeline(db.session, viewer, service_id)
    assert len(many) == len(few) <= 10


def test_the_service_page_shows_monitoring_and_the_timeline(client, app, login_as, story):
    service = story["service"]
    login_as(Role.OFFICER)
    soup = page(client.get(f"/services/{service.id}"))
    monitoring = text(soup.select_one("[data-testid=monitoring]"))
    # The draft visit 20 days ago is the last routine visit; the worse of CQC RI and local Good is RI: 6 months.
    due_on = add_months(TODAY - timedelta(days=20), 6)
    assert f"Next routine visit due {due_on.day} {due_on:%B %Y} On track" in monitoring
    assert (
        "Every 6 months — Requires improvement (worse of CQC Overall Requires improvement and local rating Good)"
        in monitoring
    )
    last = TODAY - timedelta(days=20)
    assert f"Last routine visit {last.day} {last:%B %Y}" in monitoring
    planned = TODAY + timedelta(days=7)
    assert f"Next planned visit {planned.day} {planned:%B %Y}" in monitoring
    assert "Open actions 2 open Amber – open, in time" in monitoring
    entries = soup.select("[data-testid=timeline] > li")
    assert len(entries) == 16
    assert "Planned visit (scheduled quality audit) planned" in text(entries[0])
    if "visits.view" in app.view_functions:
        assert entries[0].select_one("a")["href"] == f"/visits/{story['planned'].id}"
    if "actions.plans" in app.view_functions:
        assert soup.select_one(f"[data-testid=monitoring] a[href='/action-plans?service_id={service.id}']")


@pytest.mark.parametrize(
    ("role", "buttons"),
    [
        (Role.OFFICER, {"Plan a visit", "Log a visit", "Raise an action"}),
        (Role.MANAGER, {"Plan a visit", "Log a visit", "Raise an action"}),
        (Role.CONTRACT_MANAGER, {"Raise an action"}),
        (Role.ADMIN, set()),
    ],
)
def test_monitoring_buttons_follow_the_role(client, app, login_as, story, role, buttons):
    login_as(role)
    soup = page(client.get(f"/services/{story['service'].id}"))
    endpoints = {"Plan a visit": "visits.plan", "Log a visit": "visits.log", "Raise an action": "actions.new"}
    expected = {b for b in buttons if endpoints[b] in app.view_functions}
    shown = {text(a) for a in soup.select("#monitoring ~ .govuk-button-group a.govuk-button")}
    assert shown == expected


def test_a_provider_user_sees_the_scoped_timeline_but_no_monitoring(client, login_as, story):
    login_as(Role.PROVIDER, provider=db.session.get(Provider, story["service"].provider_id))
    response = client.get(f"/services/{story['service'].id}")
    assert response.status_code == 200
    soup = page(response)
    assert soup.select_one("[data-testid=monitoring]") is None
    body = text(soup.select_one("[data-testid=timeline]"))
    assert "Visit report finalised" in body and "Secret draft action" not in body and "internal note" not in body
    assert "planned" not in body.replace("Planned visit", "")


def test_another_providers_user_gets_404(client, login_as, story):
    login_as(Role.PROVIDER)
    response = client.get(f"/services/{story['service'].id}")
    assert response.status_code == 404
    assert "Birch House" not in response.get_data(as_text=True)
