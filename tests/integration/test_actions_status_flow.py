"""Moving an action along its flow: who may, the timeline it leaves, and moves made on a stale page."""

from datetime import date, timedelta

import sqlalchemy as sa

from provider_monitor.enums import ActionStatus, Role
from provider_monitor.extensions import db
from provider_monitor.models import Action, ActionEvent
from tests import factories
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text


def _move(client, action, status, note="", version=None):
    return client.post(
        f"/actions/{action.id}/status",
        data={"status": status, "note": note, "version_id": version if version is not None else action.version_id},
    )


def _reloaded(action) -> Action:
    db.session.expire_all()
    return db.session.get(Action, action.id)


def _events(action) -> list[ActionEvent]:
    return list(db.session.scalars(sa.select(ActionEvent).where(ActionEvent.action_id == action.id)))


def test_a_contract_manager_verifies_one_action_and_returns_another_with_a_reason(client, login_as):
    manager = login_as(Role.CONTRACT_MANAGER, name="Cara Contract")
    done = factories.ActionFactory(status="evidence_submitted")
    not_done = factories.ActionFactory(status="evidence_submitted")
    shown = page(client.get(f"/actions/{done.id}"))
    assert [i["value"] for i in shown.select("[data-testid=move-form] input[name=status]")] == ["verified", "returned"]

    assert _move(client, done, "verified").status_code == 302
    assert _move(client, not_done, "returned", "The audit covers only one of the three units").status_code == 302

    verified = _reloaded(done)
    assert verified.status == ActionStatus.VERIFIED
    assert verified.verified_by_id == manager.id and verified.verified_at is not None
    assert _reloaded(not_done).status == ActionStatus.RETURNED
    last = _events(not_done)[-1]
    assert (last.from_status, last.to_status) == (ActionStatus.EVIDENCE_SUBMITTED, ActionStatus.RETURNED)
    assert last.note == "The audit covers only one of the three units"
    assert last.actor_label == "Cara Contract (Contract manager)"
    rows = table_rows(page(client.get(f"/actions/{not_done.id}")), "[data-testid=timeline]")
    assert rows[-1][1:] == [
        "Cara Contract (Contract manager)",
        "Evidence submitted → Returned",
        "The audit covers only one of the three units",
    ]
    # A verified action is green and offers no more moves.
    soup = page(client.get(f"/actions/{done.id}"))
    assert "Green" in text(soup.select_one("[data-testid=action-tags]"))
    assert soup.select_one("[data-testid=move-form]") is None


def test_a_return_without_a_reason_is_refused_next_to_the_field(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    action = factories.ActionFactory(status="evidence_submitted")
    response = _move(client, action, "returned", "   ")
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.string.startswith("Error: ")
    assert error_summary(soup) == [("Enter the reason the evidence is being returned", "#note")]
    assert field_error(soup, "note") == "Enter the reason the evidence is being returned"
    assert _reloaded(action).status == ActionStatus.EVIDENCE_SUBMITTED


def test_choosing_nothing_is_refused(client, login_as):
    login_as(Role.MANAGER)
    action = factories.ActionFactory(status="evidence_submitted")
    response = _move(client, action, "")
    assert response.status_code == 400
    assert field_error(page(response), "status") == "Select what has happened to the action"


def test_an_officer_cannot_verify(client, login_as):
    login_as(Role.OFFICER)
    action = factories.ActionFactory(status="evidence_submitted")
    assert page(client.get(f"/actions/{action.id}")).select_one("[data-testid=move-form]") is None

    response = _move(client, action, "verified")

    assert response.status_code == 400
    summary = text(page(response).select_one(".govuk-error-summary"))
    assert "Your role cannot mark an action verified complete" in summary
    assert _reloaded(action).status == ActionStatus.EVIDENCE_SUBMITTED
    assert len(_events(action)) == 0


def test_a_move_the_flow_does_not_allow_is_refused(client, login_as):
    login_as(Role.MANAGER)
    action = factories.ActionFactory(status="open")
    response = _move(client, action, "verified")
    assert response.status_code == 400
    assert "An action that is open cannot be marked verified complete" in text(page(response))


def test_staff_record_progress_on_the_providers_behalf(client, login_as):
    login_as(Role.OFFICER, name="Olive Officer")
    action = factories.ActionFactory()
    assert _move(client, action, "in_progress", "Phoned the manager: training booked").status_code == 302
    assert _reloaded(action).status == ActionStatus.IN_PROGRESS
    assert _events(action)[-1].note == "Phoned the manager: training booked"


def test_a_provider_user_moves_their_own_action_to_evidence_submitted(client, login_as):
    provider = factories.ProviderFactory(name="Own Care Ltd")
    action = factories.ActionFactory(service=factories.ServiceFactory(provider=provider))
    login_as(Role.PROVIDER, provider=provider, name="Pat Provider")
    soup = page(client.get(f"/actions/{action.id}"))
    assert [i["value"] for i in soup.select("[data-testid=move-form] input[name=status]")] == [
        "in_progress", "evidence_submitted",
    ]  # fmt: skip

    assert _move(client, action, "in_progress").status_code == 302
    assert _move(client, _reloaded(action), "evidence_submitted", "Audit attached").status_code == 302

    assert _reloaded(action).status == ActionStatus.EVIDENCE_SUBMITTED
    assert [e.to_status for e in _events(action)] == [ActionStatus.IN_PROGRESS, ActionStatus.EVIDENCE_SUBMITTED]
    assert _events(action)[-1].actor_label == "Pat Provider (Provider user)"
    # The provider cannot verify their own evidence.
    assert _move(client, _reloaded(action), "verified").status_code == 400
    assert _reloaded(action).status == ActionStatus.EVIDENCE_SUBMITTED


def test_a_provider_user_gets_404_for_another_providers_action(client, login_as):
    action = factories.ActionFactory(description="Secret plan of another provider")
    login_as(Role.PROVIDER)
    for response in (client.get(f"/actions/{action.id}"), _move(client, action, "in_progress")):
        assert response.status_code == 404
        assert "Secret plan" not in response.get_data(as_text=True)
    assert _reloaded(action).status == ActionStatus.OPEN
    assert client.get("/actions/999999").status_code == 404


def test_a_move_made_on_a_stale_page_is_refused_and_the_note_kept(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    action = factories.ActionFactory(status="evidence_submitted")
    seen_version = action.version_id
    # Someone else returns it first.
    action.status = ActionStatus.RETURNED
    db.session.commit()

    response = _move(client, action, "verified", "Checked the audit", version=seen_version)

    soup = page(response)
    assert response.status_code == 409
    assert "Someone else changed this action after you opened it: it is now returned" in text(
        soup.select_one(".govuk-error-summary")
    )
    assert _reloaded(action).status == ActionStatus.RETURNED
    assert len(_events(action)) == 0
    # What they typed is kept; the form offers what may be done now, on the current version.
    kept = form_values(soup, "[data-testid=move-form]")
    kept.pop("csrf_token", None)
    assert kept == {"version_id": str(_reloaded(action).version_id), "note": "Checked the audit"}
    offered = [i["value"] for i in soup.select("[data-testid=move-form] input[name=status]")]
    assert offered == ["in_progress", "evidence_submitted"]


def test_a_stale_move_keeps_the_typed_note_when_the_move_is_still_offered(client, login_as):
    login_as(Role.OFFICER)
    action = factories.ActionFactory(status="open", due_on=date.today() + timedelta(days=3))
    seen_version = action.version_id
    action.owner = "Home manager"  # an edit elsewhere moves the version on
    db.session.commit()

    response = _move(client, action, "in_progress", "Training booked for Monday", version=seen_version)

    soup = page(response)
    assert response.status_code == 409
    assert form_values(soup, "[data-testid=move-form]")["note"] == "Training booked for Monday"
    # The form now carries the current version: sending it again is made knowingly.
    current = _reloaded(action).version_id
    assert _move(client, action, "in_progress", "Training booked", version=current).status_code == 302
