"""The escalation pages through the test client: decisions by role, the board, meetings, deadlines, and what a
provider user is shown."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import DecisionKind, Role, SuspensionStatus, TimerKind
from provider_monitor.extensions import db
from provider_monitor.models import (
    Action,
    Escalation,
    EscalationDecision,
    EscalationMeeting,
    EscalationTimer,
    Provider,
)
from tests import factories
from tests.helpers import error_summary, field_error, page, table_rows, text

TODAY = date.today()


def _parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _decision(to_level: int, **changes) -> dict:
    data = {
        "to_level": str(to_level),
        "reason": "Three medication errors in a month",
        "decided_on": _parts(TODAY),
        "next_review_on": _parts(TODAY + timedelta(days=28)),
        "conditions_to_step_down": "Two clean medication audits",
        "version_id": "new",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _decide(client, service, to_level, **changes):
    return client.post(f"/services/{service.id}/escalation", data=_decision(to_level, **changes))


def _escalation(service) -> Escalation:
    db.session.expire_all()
    return db.session.scalar(sa.select(Escalation).where(Escalation.service_id == service.id))


@pytest.fixture
def service(app_ctx):
    return factories.ServiceFactory(name="Rose Court", provider__name="Rose Care Ltd")


def test_a_manager_escalates_a_service_to_enhanced_monitoring(client, login_as, service):
    manager = login_as(Role.MANAGER, name="Mo Manager")
    form = page(client.get(f"/services/{service.id}/escalation"))
    assert "routine monitoring (level 0)" in text(form.select_one("[data-testid=current-level]"))
    assert form.select_one("input[name=version_id]")["value"] == "new"

    response = _decide(client, service, 1, lead_officer_id=str(manager.id))

    escalation = _escalation(service)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/escalations/{escalation.id}")
    assert (escalation.level, escalation.lead_officer_id) == (1, manager.id)
    shown = page(client.get(response.headers["Location"]))
    assert "Level 1: Enhanced monitoring" in text(shown.select_one("[data-testid=escalation-level]"))
    decisions = text(shown.select_one("[data-testid=decisions]"))
    assert "Escalated – level 0 to level 1" in decisions and "Mo Manager (Manager)" in decisions
    assert "Three medication errors in a month" in decisions
    assert "Two clean medication audits" in text(shown.select_one("[data-testid=details]"))


def test_an_officer_cannot_escalate_beyond_their_authority_and_the_message_is_next_to_the_level(
    client, login_as, service
):
    login_as(Role.OFFICER)
    response = _decide(client, service, 1)
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "to_level").startswith("Only a manager or above can take a decision at level 1")
    assert error_summary(soup)[0][1] == "#to_level"
    # Everything typed is kept.
    assert soup.select_one("textarea[name=reason]").get_text() == "Three medication errors in a month"
    assert _escalation(service) is None


def test_a_head_of_service_suspends_red_then_steps_down_to_amber_only_with_a_reason(client, login_as, service):
    login_as(Role.HEAD_OF_SERVICE)
    assert _decide(client, service, 3, suspension_status="red").status_code == 302
    escalation = _escalation(service)
    assert escalation.suspension_status == SuspensionStatus.RED
    kinds = {timer.kind for timer in db.session.scalars(sa.select(EscalationTimer))}
    assert kinds == {TimerKind.SUSPENSION_LETTER, TimerKind.SUSPENSION_REVIEW, TimerKind.APPEAL, TimerKind.LEVEL_REVIEW}

    no_reason = _decide(client, service, 3, suspension_status="amber", reason="", version_id=str(escalation.version_id))
    assert no_reason.status_code == 400
    assert field_error(page(no_reason), "reason") == "Enter the reason for stepping down"
    assert _escalation(service).suspension_status == SuspensionStatus.RED

    stepped = _decide(
        client, service, 3, suspension_status="amber", reason="Remedial plan on track",
        version_id=str(escalation.version_id),
    )  # fmt: skip
    assert stepped.status_code == 302
    decisions = db.session.scalars(sa.select(EscalationDecision).order_by(EscalationDecision.id)).all()
    assert [decision.kind for decision in decisions] == [DecisionKind.ESCALATE, DecisionKind.STEP_DOWN]
    assert _escalation(service).suspension_status == SuspensionStatus.AMBER


def test_level_3_needs_a_suspension_status(client, login_as, service):
    login_as(Role.HEAD_OF_SERVICE)
    response = _decide(client, service, 3)
    assert response.status_code == 400
    assert field_error(page(response), "suspension_status") == (
        "Select red (no new placements) or amber (place with caution)"
    )


def test_required_dates_have_their_own_messages(client, login_as, service):
    login_as(Role.MANAGER)
    response = _decide(client, service, 1, decided_on=["", "", ""], next_review_on=["", "", ""])
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "decided_on-day") == "Enter the date of the decision"
    response = _decide(client, service, 1, next_review_on=["", "", ""])
    assert field_error(page(response), "next_review_on-day") == "Enter the next review date"
    past = _decide(client, service, 1, next_review_on=_parts(TODAY - timedelta(days=1)))
    assert field_error(page(past), "next_review_on-day") == "Next review date must be today or in the future"


def test_a_decision_on_a_stale_page_is_refused_with_409_and_the_input_kept(client, login_as, service):
    login_as(Role.MANAGER)
    _decide(client, service, 1)
    stale = _escalation(service).version_id
    _decide(client, service, 2, version_id=str(stale))  # refused: a manager cannot take level 2
    login_as(Role.HEAD_OF_SERVICE)
    assert _decide(client, service, 2, version_id=str(stale)).status_code == 302
    response = _decide(client, service, 1, reason="Stepping down on old page", version_id=str(stale))
    soup = page(response)
    assert response.status_code == 409
    assert "Check the escalation as it is now" in text(soup.select_one("[data-testid=conflict]"))
    assert soup.select_one("textarea[name=reason]").get_text() == "Stepping down on old page"
    assert _escalation(service).level == 2


def test_a_page_opened_before_anyone_escalated_cannot_overwrite_a_new_escalation(client, login_as, service):
    login_as(Role.MANAGER)
    _decide(client, service, 1)
    response = _decide(client, service, 1, reason="Opened before", version_id="new")
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(EscalationDecision.id))) == 1


def test_closing_at_level_0_needs_a_reason_and_ends_the_escalation(client, login_as, service):
    login_as(Role.MANAGER)
    _decide(client, service, 1)
    version = str(_escalation(service).version_id)
    assert field_error(page(_decide(client, service, 0, reason="", version_id=version)), "reason") == (
        "Enter the reason for closing the escalation"
    )
    response = _decide(client, service, 0, reason="Audit passed", next_review_on=None, version_id=version)
    assert response.status_code == 302
    escalation = _escalation(service)
    assert escalation.closed_on == TODAY and escalation.next_review_on is None
    assert "This escalation was closed" in text(page(client.get(response.headers["Location"])))


def test_correcting_the_latest_decision_keeps_both_on_the_record(client, login_as, service):
    login_as(Role.MANAGER)
    _decide(client, service, 1, reason="Wrong service chosen at first")
    escalation = _escalation(service)
    first = db.session.scalar(sa.select(EscalationDecision.id))
    form = page(client.get(f"/services/{service.id}/escalation?supersedes={first}"))
    assert "This corrects the decision of" in text(form.select_one("[data-testid=superseding]"))
    response = _decide(
        client, service, 1, reason="Corrected: the review date was wrong", supersedes_id=str(first),
        version_id=str(escalation.version_id),
    )  # fmt: skip
    assert response.status_code == 302
    shown = text(page(client.get(response.headers["Location"])).select_one("[data-testid=decisions]"))
    assert "Superseded by a later decision" in shown and "Corrects an earlier decision" in shown
    assert "Wrong service chosen at first" in shown


def test_a_provider_wide_decision_covers_the_provider(client, login_as, service):
    login_as(Role.HEAD_OF_SERVICE)
    response = client.post(f"/providers/{service.provider_id}/escalation", data=_decision(2))
    assert response.status_code == 302
    escalation = db.session.scalar(sa.select(Escalation))
    assert (escalation.provider_id, escalation.service_id, escalation.level) == (service.provider_id, None, 2)
    shown = page(client.get(response.headers["Location"]))
    assert "Escalation: All services of Rose Care Ltd" in text(shown.select_one("h1"))


def test_the_board_lists_open_escalations_highest_first_with_their_deadlines(client, login_as, app_ctx):
    login_as(Role.MANAGER)
    low = factories.EscalationFactory(service__name="Low House", level=1)
    red = factories.EscalationFactory(service__name="Red House", level=3, suspension_status="red")
    amber = factories.EscalationFactory(service__name="Amber House", level=3, suspension_status="amber")
    factories.EscalationFactory(service__name="Closed House", level=2, closed_on=TODAY)
    factories.EscalationTimerFactory(escalation=red, kind="suspension_letter", due_on=TODAY - timedelta(days=2))
    factories.EscalationTimerFactory(escalation=amber, kind="appeal", due_on=TODAY + timedelta(days=2))
    factories.EscalationTimerFactory(
        escalation=low, kind="level_review", due_on=TODAY - timedelta(days=1), met_on=TODAY - timedelta(days=3)
    )

    soup = page(client.get("/escalations"))
    rows = table_rows(soup, "[data-testid=escalations]")
    assert [row[1] for row in rows] == ["Red House", "Amber House", "Low House"]
    assert rows[0][0] == "Level 3: suspended – red" and rows[0][5] == "1 missed"
    assert rows[1][5] == "1 due soon" and rows[2][5] == "None due"
    assert "Enhanced monitoring (level 1): 1" in text(soup.select_one("[data-testid=level-counts]"))

    missed = table_rows(page(client.get("/escalations?attention=missed")), "[data-testid=escalations]")
    assert [row[1] for row in missed] == ["Red House"]
    amber_only = table_rows(page(client.get("/escalations?suspension_status=amber")), "[data-testid=escalations]")
    assert [row[1] for row in amber_only] == ["Amber House"]


def test_the_board_refuses_an_unknown_filter_next_to_the_field(client, login_as, app_ctx):
    login_as(Role.OFFICER)
    response = client.get("/escalations?level=9")
    assert response.status_code == 400
    assert field_error(page(response), "level") == "Select level from the list"


def test_meetings_are_recorded_and_actions_raised_from_them(client, login_as, app_ctx):
    login_as(Role.OFFICER)
    escalation = factories.EscalationFactory(service__name="Meeting House", level=2)
    url = f"/escalations/{escalation.id}/meetings/new"
    missing = client.post(url, data={"held_on": ["", "", ""]})
    soup = page(missing)
    assert missing.status_code == 400
    assert [message for message, _ in error_summary(soup)] == [
        "Select the type of meeting", "Enter the date of the meeting", "Enter the minutes of the meeting",
    ]  # fmt: skip
    response = client.post(url, data={
        "kind": "initial", "held_on": _parts(TODAY), "attendees": "QMM officer\nRegistered manager",
        "organisations": "Provider, CQC", "minutes": "Agreed a staffing plan", "minutes_internal": "y",
    })  # fmt: skip
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(EscalationMeeting))
    assert meeting.minutes_internal is True and meeting.recorded_by_id is not None

    raised = client.post(f"/escalations/{escalation.id}/meetings/{meeting.id}/actions/new", data={
        "description": "Recruit two night carers", "key_question": "safe", "kind": "corrective",
        "priority": "high", "due_on": _parts(TODAY + timedelta(days=30)), "owner": "Registered manager",
    })  # fmt: skip
    assert raised.status_code == 302
    action = db.session.scalar(sa.select(Action))
    assert (action.meeting_id, action.service_id) == (meeting.id, escalation.service_id)
    shown = page(client.get(f"/escalations/{escalation.id}"))
    assert "Recruit two night carers" in text(shown.select_one("[data-testid=meeting-actions]"))
    assert "Internal minutes" in text(shown.select_one("[data-testid=meeting]"))


def test_a_provider_wide_meeting_action_asks_which_service(client, login_as, app_ctx):
    login_as(Role.MANAGER)
    provider = factories.ProviderFactory(name="Wide Care")
    first = factories.ServiceFactory(provider=provider, name="Wide One")
    escalation = factories.EscalationFactory(service=first, level=2)
    escalation.service_id = None
    db.session.commit()
    meeting = factories.EscalationMeetingFactory(escalation=escalation)
    url = f"/escalations/{escalation.id}/meetings/{meeting.id}/actions/new"
    data = {"description": "Governance review", "key_question": "well_led", "kind": "corrective", "priority": "high",
            "due_on": _parts(TODAY + timedelta(days=30)), "owner": "Nominated individual"}  # fmt: skip
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert field_error(page(response), "service_id") == "Select the service the action is for"
    assert client.post(url, data={**data, "service_id": str(first.id)}).status_code == 302
    assert db.session.scalar(sa.select(Action.service_id)) == first.id


def test_a_deadline_is_recorded_as_done(client, login_as, app_ctx):
    login_as(Role.OFFICER)
    escalation = factories.EscalationFactory(level=3, suspension_status="red")
    timer = factories.EscalationTimerFactory(
        escalation=escalation, kind="suspension_letter", started_on=TODAY - timedelta(days=3), due_on=TODAY
    )
    url = f"/escalations/{escalation.id}/timers/{timer.id}/met"
    future = client.post(url, data={"met_on": _parts(TODAY + timedelta(days=1))})
    assert future.status_code == 400
    assert field_error(page(future), "met_on-day") == "Date met must be today or in the past"
    assert client.post(url, data={"met_on": _parts(TODAY), "met_note": "Emailed"}).status_code == 302
    rows = table_rows(page(client.get(f"/escalations/{escalation.id}")), "[data-testid=deadlines]")
    assert rows[0][3] == "Met" and "Emailed" in rows[0][4]


def test_a_provider_user_sees_their_level_and_conditions_but_nothing_internal(client, login_as, app_ctx):
    escalation = factories.EscalationFactory(
        service__name="Own House", level=3, suspension_status="red", conditions_to_step_down="Safe staffing for 4 weeks"
    )
    factories.EscalationDecisionFactory(escalation=escalation, reason="Whistleblower Jane Doe reported neglect")
    factories.EscalationMeetingFactory(
        escalation=escalation, minutes="Internal: police involved", minutes_internal=True
    )
    factories.EscalationMeetingFactory(
        escalation=escalation, kind="review", minutes="Shared: progress is good", minutes_internal=False
    )
    provider = db.session.get(Provider, db.session.get(Escalation, escalation.id).provider_id)
    login_as(Role.PROVIDER, provider=provider)

    response = client.get(f"/escalations/{escalation.id}")
    body = response.get_data(as_text=True)
    soup = page(response)
    assert response.status_code == 200
    assert "Level 3: Suspension of new placements" in text(soup.select_one("[data-testid=escalation-level]"))
    assert "Safe staffing for 4 weeks" in text(soup.select_one("[data-testid=details]"))
    assert "Jane Doe" not in body and "police involved" not in body
    assert "Shared: progress is good" in body
    assert "The minutes of this meeting are internal to the council." in body
    assert soup.select_one("a[href$='/escalation']") is None  # no decision button


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.ADMIN, Role.PROVIDER])
def test_roles_without_decision_authority_cannot_open_the_decision_form(client, login_as, service, role):
    login_as(role, provider=db.session.get(Provider, service.provider_id) if role == Role.PROVIDER else None)
    assert client.get(f"/services/{service.id}/escalation").status_code == 403


def test_the_service_page_shows_the_suspension_and_deadlines_owed(client, login_as, service):
    login_as(Role.OFFICER)
    assert "Routine monitoring: no open escalation." in text(page(client.get(f"/services/{service.id}")))
    escalation = factories.EscalationFactory(
        service=service, level=3, suspension_status="red", conditions_to_step_down="Safe staffing for 4 weeks"
    )
    factories.EscalationTimerFactory(escalation=escalation, kind="suspension_letter", due_on=TODAY - timedelta(days=1))
    factories.EscalationTimerFactory(escalation=escalation, kind="appeal", due_on=TODAY, met_on=TODAY)
    soup = page(client.get(f"/services/{service.id}"))
    assert text(soup.select_one("[data-testid=escalation-tag]")) == "Level 3: suspended – red"
    section = text(soup.select_one("[data-testid=escalation-service]"))
    assert "Red – no new placements" in section and "Safe staffing for 4 weeks" in section
    assert "Suspension letter with remedial action plan: due" in section and "Missed" in section
    assert "Provider appeal window" not in section  # met: nothing owed


def test_a_provider_wide_escalation_shows_on_each_of_its_services(client, login_as, service):
    escalation = factories.EscalationFactory(service=service, level=2)
    escalation.service_id = None
    db.session.commit()
    provider = db.session.get(Provider, service.provider_id)
    login_as(Role.PROVIDER, provider=provider)
    soup = page(client.get(f"/services/{service.id}"))
    section = text(soup.select_one("[data-testid=escalation-provider]"))
    assert "Level 2: Provider concerns process" in section and "Every service of Rose Care Ltd" in section
    assert "Lead officer" not in section  # staff-only detail
    assert "Take an escalation decision" not in text(soup)


def test_the_board_runs_the_same_queries_for_one_escalation_or_many(client, login_as, app_ctx):
    from tests.helpers import counted_queries

    login_as(Role.MANAGER)
    lead = factories.UserFactory(role=Role.OFFICER)

    def board_queries() -> int:
        with counted_queries() as statements:
            assert client.get("/escalations").status_code == 200
        return len(statements)

    first = factories.EscalationFactory(lead_officer=lead)
    factories.EscalationTimerFactory(escalation=first)
    one = board_queries()
    for _ in range(4):
        escalation = factories.EscalationFactory(lead_officer=lead, level=2)
        factories.EscalationTimerFactory(escalation=escalation)
    assert board_queries() == one


def test_the_provider_page_lists_its_escalations_provider_wide_first(client, login_as, service):
    wide = factories.EscalationFactory(service=service, level=2)
    wide.service_id = None
    db.session.commit()
    factories.EscalationFactory(service=service, level=3, suspension_status="amber")
    login_as(Role.HEAD_OF_SERVICE)
    soup = page(client.get(f"/providers/{service.provider_id}"))
    rows = table_rows(soup, "[data-testid=provider-escalations] table")
    assert [row[:2] for row in rows] == [["Every service", "Level 2"], ["Rose Court", "Level 3: suspended – amber"]]
    assert soup.find("a", string="Take a provider-wide escalation decision") is not None


def test_decisions_and_meetings_are_on_the_service_timeline_with_reasons_for_staff_only(client, login_as, service):
    escalation = factories.EscalationFactory(service=service, level=1)
    factories.EscalationDecisionFactory(escalation=escalation, reason="Secret: whistleblower call")
    factories.EscalationMeetingFactory(escalation=escalation, kind="initial", organisations="CQC, ICB")
    login_as(Role.OFFICER)
    staff = text(page(client.get(f"/services/{service.id}")).select_one("[data-testid=timeline]"))
    assert "Escalated: Level 1: Enhanced monitoring" in staff
    assert "Reason: Secret: whistleblower call" in staff and "Initial provider concerns meeting held" in staff

    login_as(Role.PROVIDER, provider=db.session.get(Provider, service.provider_id))
    response = client.get(f"/services/{service.id}")
    provider_view = text(page(response).select_one("[data-testid=timeline]"))
    assert "Escalated: Level 1: Enhanced monitoring" in provider_view
    assert "whistleblower" not in response.get_data(as_text=True)


def test_the_boards_attention_filters_agree_with_the_deadline_rules_day_by_day(client, login_as, app_ctx):
    from provider_monitor.enums import TimerState
    from provider_monitor.services import escalation_rules

    login_as(Role.MANAGER)
    expected = {"missed": set(), "due": set()}
    for offset in range(-3, 9):
        escalation = factories.EscalationFactory(service__name=f"House {offset:+d}")
        due_on = TODAY + timedelta(days=offset)
        factories.EscalationTimerFactory(escalation=escalation, kind="appeal", due_on=due_on)
        state = escalation_rules.timer_state(due_on, None, TODAY)
        if state == TimerState.MISSED:
            expected["missed"].add(f"House {offset:+d}")
        elif state == TimerState.DUE_SOON:
            expected["due"].add(f"House {offset:+d}")
    # A deadline already met is owed by nobody, however late it was.
    met = factories.EscalationFactory(service__name="Met House")
    factories.EscalationTimerFactory(escalation=met, due_on=TODAY - timedelta(days=5), met_on=TODAY)
    for attention, names in expected.items():
        rows = table_rows(page(client.get(f"/escalations?attention={attention}")), "[data-testid=escalations]")
        assert {row[1] for row in rows} == names, attention
    assert expected["missed"] and expected["due"]


def test_the_board_pages_through_many_escalations(app, client, login_as, app_ctx):
    login_as(Role.MANAGER)
    for number in range(5):
        factories.EscalationFactory(
            service__name=f"Paged House {number}", next_review_on=TODAY + timedelta(days=number)
        )
    app.config["ESCALATIONS_PAGE_SIZE"] = 2
    try:
        soup = page(client.get("/escalations?page=3"))
    finally:
        app.config["ESCALATIONS_PAGE_SIZE"] = 50
    assert text(soup.select_one("[data-testid=result-count]")) == "5 escalations, page 3 of 3"
    assert [row[1] for row in table_rows(soup, "[data-testid=escalations]")] == ["Paged House 4"]
    assert soup.select_one(".govuk-pagination") is not None
