"""Raising an action on a service or from a visit, and editing its details safely."""

from datetime import date, timedelta

import sqlalchemy as sa

from provider_monitor.enums import ActionKind, ActionPriority, ActionStatus, KeyQuestion, Role
from provider_monitor.extensions import db
from provider_monitor.models import Action, ActionEvent
from tests import factories
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text


def _due(days: int) -> dict:
    day = date.today() + timedelta(days=days)
    return {"due_on": [str(day.day), str(day.month), str(day.year)]}


def _fields(**overrides) -> dict:
    data = {
        "description": "Update the medication risk assessments for every resident",
        "key_question": "safe",
        "kind": "corrective",
        "priority": "high",
        "owner": "Registered manager",
        **_due(30),
    }
    data.update(overrides)
    return data


def test_an_officer_raises_an_action_on_a_service(client, login_as):
    officer = login_as(Role.OFFICER, name="Olive Officer")
    service = factories.ServiceFactory(name="Elm House")
    form = page(client.get(f"/services/{service.id}/actions/new"))
    assert form.select_one("input[name=key_question][value=none]") is not None
    assert form.select_one("input[name=key_question][value=overall]") is None

    response = client.post(f"/services/{service.id}/actions/new", data=_fields())

    action = db.session.scalars(sa.select(Action)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/actions/{action.id}"
    assert (action.service_id, action.visit_id, action.status) == (service.id, None, ActionStatus.OPEN)
    assert (action.key_question, action.kind, action.priority) == (
        KeyQuestion.SAFE, ActionKind.CORRECTIVE, ActionPriority.HIGH,
    )  # fmt: skip
    assert action.created_by_id == officer.id
    event = db.session.scalars(sa.select(ActionEvent)).one()
    assert (event.actor_label, event.from_status, event.to_status) == ("Olive Officer (QMM officer)", None, "open")

    shown = page(client.get(f"/actions/{action.id}"))
    assert "Update the medication risk assessments" in text(shown.select_one("[data-testid=action-details]"))
    assert table_rows(shown, "[data-testid=timeline]")[0][1:3] == ["Olive Officer (QMM officer)", "Open"]
    assert "Amber" in text(shown.select_one("[data-testid=action-tags]"))


def test_an_action_may_be_not_linked_to_a_key_question(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    service = factories.ServiceFactory()
    response = client.post(
        f"/services/{service.id}/actions/new", data=_fields(key_question="none", kind="developmental", priority="low")
    )
    assert response.status_code == 302
    action = db.session.scalars(sa.select(Action)).one()
    assert (action.key_question, action.kind) == (None, ActionKind.DEVELOPMENTAL)


def test_every_missing_or_bad_field_is_reported_and_nothing_is_lost(client, login_as):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory()
    yesterday = date.today() - timedelta(days=1)
    response = client.post(
        f"/services/{service.id}/actions/new",
        data={"description": "Keep this text", "key_question": "overall", "owner": "",
              "due_on": [str(yesterday.day), str(yesterday.month), str(yesterday.year)]},
    )  # fmt: skip
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.string.startswith("Error: ")
    messages = [m for m, _ in error_summary(soup)]
    assert "Select a key question, or select ‘not linked to a key question’" in messages
    assert "Select corrective if the provider must do this, or developmental if they should" in messages
    assert "Select the priority" in messages
    assert "Enter who at the provider is responsible" in messages
    assert field_error(soup, "due_on-day").startswith("Due date must be today or in the future")
    assert form_values(soup)["description"] == "Keep this text"
    assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 0


def test_a_missing_due_date_is_named(client, login_as):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory()
    response = client.post(f"/services/{service.id}/actions/new", data=_fields(due_on=["", "", ""]))
    assert response.status_code == 400
    assert field_error(page(response), "due_on-day") == "Enter the due date"


def test_an_action_raised_from_a_visit_names_it_and_must_be_the_same_service(client, login_as):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory(visited_on=date(2026, 5, 4))
    other = factories.ServiceFactory()
    url = f"/services/{visit.service_id}/actions/new?visit_id={visit.id}"
    shown = page(client.get(url))
    assert "4 May 2026" in text(shown.select_one("[data-testid=linked-visit]"))

    response = client.post(url, data=_fields())
    action = db.session.scalars(sa.select(Action)).one()
    assert action.visit_id == visit.id
    assert response.headers["Location"] in (f"/visits/{visit.id}", f"/actions/{action.id}")
    # A visit of another service, or no such visit, is not found.
    assert client.get(f"/services/{other.id}/actions/new?visit_id={visit.id}").status_code == 404
    assert client.get(f"/services/{visit.service_id}/actions/new?visit_id=999999").status_code == 404
    assert client.get(f"/services/{visit.service_id}/actions/new?visit_id=x").status_code == 404


def test_roles_that_may_not_raise_actions_are_refused(client, login_as):
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    login_as(Role.ADMIN)
    assert client.get(f"/services/{service.id}/actions/new").status_code == 403
    login_as(Role.PROVIDER, provider=provider)
    assert client.post(f"/services/{service.id}/actions/new", data=_fields()).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 0


def test_editing_the_due_date_goes_on_the_timeline(client, login_as):
    login_as(Role.CONTRACT_MANAGER, name="Cara Manager")
    action = factories.ActionFactory(due_on=date.today() + timedelta(days=10))
    soup = page(client.get(f"/actions/{action.id}/edit"))
    values = form_values(soup)
    assert values["key_question"] == "safe" and values["kind"] == "corrective"
    values.update(_due(40), owner="Deputy manager")

    response = client.post(f"/actions/{action.id}/edit", data=values)

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, action.id).owner == "Deputy manager"
    notes = [e.note for e in db.session.scalars(sa.select(ActionEvent).where(ActionEvent.action_id == action.id))]
    new_due = date.today() + timedelta(days=40)
    assert any(n and n.endswith(f"to {new_due.day} {new_due:%B %Y}") for n in notes)


def test_an_overdue_action_keeps_its_past_due_date_when_other_details_change(client, login_as):
    login_as(Role.OFFICER)
    past = date.today() - timedelta(days=5)
    action = factories.ActionFactory(due_on=past)
    values = form_values(page(client.get(f"/actions/{action.id}/edit")))
    values["priority"] = "high"
    assert client.post(f"/actions/{action.id}/edit", data=values).status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, action.id).due_on == past


def test_a_stale_edit_is_refused_with_the_saved_values_shown(client, login_as):
    login_as(Role.OFFICER)
    action = factories.ActionFactory(owner="Registered manager")
    values = form_values(page(client.get(f"/actions/{action.id}/edit")))
    # Someone else saves first.
    action.owner = "Home manager"
    db.session.commit()

    values["owner"] = "Deputy manager"
    response = client.post(f"/actions/{action.id}/edit", data=values)

    soup = page(response)
    assert response.status_code == 409
    assert "Your changes have not been saved" in text(soup.select_one(".govuk-error-summary"))
    assert ["Owner at the provider", "Home manager", "Deputy manager"] in table_rows(soup, "[data-testid=conflict]")
    assert form_values(soup)["owner"] == "Deputy manager"
    db.session.expire_all()
    assert db.session.get(Action, action.id).owner == "Home manager"
    # Saving again knowingly keeps the editor's value.
    assert client.post(f"/actions/{action.id}/edit", data=form_values(soup)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, action.id).owner == "Deputy manager"
