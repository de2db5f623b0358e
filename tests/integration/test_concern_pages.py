"""The concern pages through the browser's eyes: log, find, read (with confidential parts), edit, close, link, act."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import ActionStatus, ConcernCategory, ConcernSeverity, ConcernStatus, Role
from provider_monitor.extensions import db
from provider_monitor.jinja import format_date
from provider_monitor.models import Action, Concern, concern_visit
from tests import factories
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text

IDENTITY = "Night carer Jo Bloggs, 07700 900123"
DETAIL = "Enquiry opened about bruising to a resident's arm"


def _day(days_ago: int) -> date:
    return date.today() - timedelta(days=days_ago)


def _date(name: str, day: date) -> dict:
    return {name: [str(day.day), str(day.month), str(day.year)]}


def _fields(**overrides) -> dict:
    data = {
        **_date("received_on", _day(2)),
        "source": "family",
        "category": "medication",
        "severity": "high",
        "description": "Medicines were given late on three evenings",
        "people_affected": "2",
    }
    data.update(overrides)
    return data


def _saved() -> Concern:
    return db.session.scalars(sa.select(Concern)).one()


def _link_visit(concern, visit) -> None:
    db.session.execute(sa.insert(concern_visit).values(concern_id=concern.id, visit_id=visit.id))
    db.session.commit()


# Logging


def test_an_officer_logs_a_concern_about_a_service(client, login_as):
    officer = login_as(Role.OFFICER)
    service = factories.ServiceFactory(name="Elm House")
    form = page(client.get(f"/concerns/new?service_id={service.id}"))
    assert form.select_one("legend", string=lambda s: s and "Where the concern came from" in s) is not None
    hint = text(form.select_one("#source_identity-hint"))
    assert hint == "Kept confidential: only QMM officers, managers, heads of service and directors can read it"

    response = client.post(
        f"/concerns/new?service_id={service.id}",
        data=_fields(source_identity=IDENTITY, confidential="y"),
    )

    concern = _saved()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/concerns/{concern.id}"
    assert (concern.service_id, concern.provider_id, concern.status) == (
        service.id, service.provider_id, ConcernStatus.OPEN,
    )  # fmt: skip
    assert (concern.category, concern.severity, concern.people_affected) == (
        ConcernCategory.MEDICATION, ConcernSeverity.HIGH, 2,
    )  # fmt: skip
    assert (concern.source_identity, concern.confidential, concern.logged_by_id) == (IDENTITY, True, officer.id)
    shown = page(client.get(response.headers["Location"]))
    assert "The concern has been logged" in text(shown.select_one(".govuk-notification-banner"))
    assert "Elm House" in text(shown.select_one("h1"))


def test_a_concern_about_a_provider_across_its_services(client, login_as):
    login_as(Role.HEAD_OF_SERVICE)
    provider = factories.ProviderFactory(name="Oak Care Ltd")
    response = client.post(f"/concerns/new?provider_id={provider.id}", data=_fields(category="governance"))
    concern = _saved()
    assert response.status_code == 302
    assert (concern.provider_id, concern.service_id) == (provider.id, None)
    details = text(page(client.get(f"/concerns/{concern.id}")).select_one("[data-testid=concern-details]"))
    assert "All services of Oak Care Ltd" in details


@pytest.mark.parametrize("query", ["", "?service_id=99999", "?provider_id=99999", "?service_id=abc"])
def test_logging_needs_a_real_service_or_provider(client, login_as, query):
    login_as(Role.OFFICER)
    factories.ServiceFactory()
    assert client.get(f"/concerns/new{query}").status_code == 404
    assert client.post(f"/concerns/new{query}", data=_fields()).status_code == 404


def test_every_missing_field_is_shown_next_to_it_and_in_the_summary_keeping_what_was_typed(client, login_as):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory()
    response = client.post(
        f"/concerns/new?service_id={service.id}",
        data={"received_on": ["", "", ""], "description": "  ", "people_affected": "3",
              "source_identity": IDENTITY, "safeguarding_detail": DETAIL},
    )  # fmt: skip

    soup = page(response)
    assert response.status_code == 400
    assert soup.title.string.startswith("Error: ")
    expected = {
        "received_on": "Enter the date the concern was received",
        "source": "Select where the concern came from",
        "category": "Select the type of concern",
        "severity": "Select how serious the concern is",
        "description": "Enter a description of the concern",
    }
    assert [message for message, _ in error_summary(soup)] == list(expected.values())
    assert error_summary(soup)[0][1] == "#received_on-day"
    for field, message in expected.items():
        anchor = "received_on-day" if field == "received_on" else field
        assert field_error(soup, anchor) == message
    kept = form_values(soup)
    assert (kept["people_affected"], kept["source_identity"], kept["safeguarding_detail"]) == ("3", IDENTITY, DETAIL)
    assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 0


def test_bad_values_get_specific_messages(client, login_as):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory()
    response = client.post(
        f"/concerns/new?service_id={service.id}",
        data=_fields(**_date("received_on", _day(-1)), people_affected="lots", severity="dreadful"),
    )
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "received_on-day") == "Date the concern was received must be today or in the past"
    assert field_error(soup, "people_affected") == "Number of people affected must be a whole number, like 3"
    assert field_error(soup, "severity") == "Select how serious the concern is"
    assert form_values(soup)["people_affected"] == "lots"


@pytest.mark.parametrize("overrides", [{"category": "safeguarding"}, {"source": "safeguarding"}])
def test_a_safeguarding_concern_needs_its_safeguarding_reference(client, login_as, overrides):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory()
    url = f"/concerns/new?service_id={service.id}"
    response = client.post(url, data=_fields(**overrides, safeguarding_detail=DETAIL))
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "safeguarding_reference") == "Enter the safeguarding reference"
    assert error_summary(soup) == [("Enter the safeguarding reference", "#safeguarding_reference")]
    assert form_values(soup)["safeguarding_detail"] == DETAIL

    assert client.post(url, data=_fields(**overrides, safeguarding_reference="SG-2026-114")).status_code == 302
    assert _saved().safeguarding_reference == "SG-2026-114"


# The list


def test_the_list_shows_open_concerns_by_default_and_filters(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    provider = factories.ProviderFactory(name="Oak Care Ltd")
    service = factories.ServiceFactory(provider=provider, name="Elm House")
    other = factories.ServiceFactory(name="Ash Lodge", provider=factories.ProviderFactory(name="Birch Homes Ltd"))
    newest = factories.ConcernFactory(service=other, received_on=_day(1), source="cqc", severity="critical")
    wide = factories.ConcernFactory(service=None, provider_id=provider.id, received_on=_day(3), category="financial")
    closed = factories.ConcernFactory(service=service, received_on=_day(5), status="closed", closed_on=_day(4))
    older = factories.ConcernFactory(service=service, received_on=_day(40), category="safeguarding")

    def listed(query=""):
        response = client.get(f"/concerns{query}")
        assert response.status_code == 200
        return page(response)

    soup = listed()
    rows = table_rows(soup, "[data-testid=concerns]")
    assert [row[1] for row in rows] == ["Ash Lodge", "All services of Oak Care Ltd", "Elm House"]
    assert rows[0][2:] == ["Birch Homes Ltd", "Staffing", "Critical", "CQC", "Open"]
    links = [a["href"] for a in soup.select("[data-testid=concerns] tbody a")]
    assert links == [f"/concerns/{c.id}" for c in (newest, wide, older)]

    def ids(query):
        return [a["href"] for a in listed(query).select("[data-testid=concerns] tbody a")]

    assert ids("?status=") == [f"/concerns/{c.id}" for c in (newest, wide, closed, older)]
    assert ids("?status=closed") == [f"/concerns/{closed.id}"]
    assert ids("?category=safeguarding") == [f"/concerns/{older.id}"]
    assert ids("?severity=critical&source=cqc") == [f"/concerns/{newest.id}"]
    since = "&".join(f"received_from={part}" for part in (_day(10).day, _day(10).month, _day(10).year))
    assert ids(f"?status=&{since}") == [f"/concerns/{c.id}" for c in (newest, wide, closed)]
    assert ids(f"?service_id={service.id}") == [f"/concerns/{older.id}"]
    assert ids(f"?provider_id={provider.id}&status=") == [f"/concerns/{c.id}" for c in (wide, closed, older)]
    assert "Elm House" in text(listed(f"?service_id={service.id}").select_one("[data-testid=one-subject]"))


def test_bad_filters_are_shown_next_to_the_field(client, login_as):
    login_as(Role.OFFICER)
    factories.ConcernFactory()
    response = client.get("/concerns?severity=dreadful")
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "severity") == "Select severity from the list"
    assert soup.select_one("[data-testid=concerns]") is None

    start, end = _day(5), _day(10)
    query = "&".join(
        [f"received_from={v}" for v in (start.day, start.month, start.year)]
        + [f"received_to={v}" for v in (end.day, end.month, end.year)]
    )
    response = client.get(f"/concerns?{query}")
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "received_to-day") == "Date to must be the same as or after date from"
    assert ("Date to must be the same as or after date from", "#received_to-day") in error_summary(soup)
    assert client.get("/concerns?received_from=31&received_from=2&received_from=2026").status_code == 400


def test_the_list_is_paged_and_keeps_its_filters(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "CONCERNS_PAGE_SIZE", 2)
    login_as(Role.MANAGER)
    service = factories.ServiceFactory()
    made = [factories.ConcernFactory(service=service, received_on=_day(n), severity="high") for n in range(1, 6)]
    factories.ConcernFactory(service=service, severity="low")

    first = page(client.get("/concerns?severity=high"))
    assert "5 concerns, page 1 of 3" in text(first.select_one("[data-testid=result-count]"))
    next_link = first.select_one(".govuk-pagination__next a")["href"]
    assert "severity=high" in next_link and "page=2" in next_link
    last = page(client.get("/concerns?severity=high&page=3"))
    assert [a["href"] for a in last.select("[data-testid=concerns] tbody a")] == [f"/concerns/{made[4].id}"]
    assert client.get("/concerns?page=0").status_code == 400


# Reading, with the confidential parts


def _confidential_concern(**overrides):
    values = {"source": "whistleblower", "category": "safeguarding", "source_identity": IDENTITY,
              "safeguarding_reference": "SG-88", "safeguarding_detail": DETAIL, "confidential": True}  # fmt: skip
    values.update(overrides)
    return factories.ConcernFactory(**values)


def test_an_officer_reads_the_confidential_parts(client, login_as):
    login_as(Role.OFFICER)
    concern = _confidential_concern()
    details = text(page(client.get(f"/concerns/{concern.id}")).select_one("[data-testid=concern-details]"))
    assert f"Who raised it {IDENTITY}" in details
    assert f"Safeguarding detail {DETAIL}" in details
    assert "Asked not to be identified Yes" in details
    assert "Withheld" not in details


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.ADMIN])
def test_a_contract_manager_sees_withheld_and_the_identity_is_nowhere_on_the_page(client, login_as, role):
    concern = _confidential_concern()
    # A change to the identity is in the audit trail: that must not give it away either.
    login_as(Role.OFFICER)
    values = form_values(page(client.get(f"/concerns/{concern.id}/edit")))
    values["source_identity"] = "Deputy manager Sam Smith"
    assert client.post(f"/concerns/{concern.id}/edit", data=values).status_code == 302

    login_as(role)
    response = client.get(f"/concerns/{concern.id}")
    body = response.get_data(as_text=True)
    details = text(page(response).select_one("[data-testid=concern-details]"))
    assert response.status_code == 200
    assert "Who raised it Withheld" in details
    assert "Safeguarding detail Withheld" in details
    assert "Safeguarding reference SG-88" in details
    for secret in (IDENTITY, "07700 900123", "Sam Smith", DETAIL):
        assert secret not in body


# Editing


def test_an_officer_edits_a_concern(client, login_as):
    login_as(Role.OFFICER)
    concern = factories.ConcernFactory(severity="medium")
    values = form_values(page(client.get(f"/concerns/{concern.id}/edit")))
    assert values["severity"] == "medium"
    values.update(severity="critical", description="Worse than first reported")
    response = client.post(f"/concerns/{concern.id}/edit", data=values)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/concerns/{concern.id}"
    db.session.expire_all()
    saved = db.session.get(Concern, concern.id)
    assert (saved.severity, saved.description) == (ConcernSeverity.CRITICAL, "Worse than first reported")
    history = text(page(client.get(f"/concerns/{concern.id}")).select_one("[data-testid=audit-trail]"))
    assert "Severity: medium → critical" in history


def test_a_contract_manager_is_not_offered_the_confidential_fields_and_cannot_wipe_them(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    concern = _confidential_concern()
    soup = page(client.get(f"/concerns/{concern.id}/edit"))
    assert soup.select_one("[name=source_identity]") is None
    assert soup.select_one("[name=safeguarding_detail]") is None
    assert IDENTITY not in str(soup)
    values = form_values(soup)
    values["severity"] = "critical"
    # Even if they are posted, the fields are not on this editor's form.
    values["source_identity"] = ""
    assert client.post(f"/concerns/{concern.id}/edit", data=values).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Concern, concern.id)
    assert (saved.severity, saved.source_identity, saved.safeguarding_detail) == (
        ConcernSeverity.CRITICAL, IDENTITY, DETAIL,
    )  # fmt: skip


def test_a_stale_edit_is_refused_with_the_saved_values_shown(client, login_as):
    login_as(Role.MANAGER)
    concern = factories.ConcernFactory(description="First account")
    values = form_values(page(client.get(f"/concerns/{concern.id}/edit")))
    concern.description = "Someone else's account"
    db.session.commit()

    values["description"] = "My account"
    response = client.post(f"/concerns/{concern.id}/edit", data=values)
    soup = page(response)
    assert response.status_code == 409
    assert "Your changes have not been saved" in text(soup.select_one(".govuk-error-summary"))
    conflict = table_rows(soup, "[data-testid=conflict]")
    assert ["Describe the concern", "Someone else's account", "My account"] in conflict
    assert form_values(soup)["description"] == "My account"
    db.session.expire_all()
    assert db.session.get(Concern, concern.id).description == "Someone else's account"
    assert client.post(f"/concerns/{concern.id}/edit", data=form_values(soup)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Concern, concern.id).description == "My account"


def test_an_edit_is_checked_like_a_new_concern(client, login_as):
    login_as(Role.OFFICER)
    concern = factories.ConcernFactory()
    values = form_values(page(client.get(f"/concerns/{concern.id}/edit")))
    values.update(category="safeguarding", description="")
    soup = page(client.post(f"/concerns/{concern.id}/edit", data=values))
    assert field_error(soup, "description") == "Enter a description of the concern"
    assert field_error(soup, "safeguarding_reference") == "Enter the safeguarding reference"


# Closing


def test_closing_needs_a_reason_then_the_concern_is_closed(client, login_as):
    login_as(Role.OFFICER)
    concern = factories.ConcernFactory(received_on=_day(10))
    soup = page(client.get(f"/concerns/{concern.id}/close"))
    assert form_values(soup)["closed_on"] == [str(date.today().day), str(date.today().month), str(date.today().year)]

    values = {**form_values(soup), "reason": " "}
    response = client.post(f"/concerns/{concern.id}/close", data=values)
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "reason") == "Enter the reason for closing the concern"
    assert ("Enter the reason for closing the concern", "#reason") in error_summary(soup)

    early = _day(20)
    values.update(reason="Visit found staffing safe", **_date("closed_on", early))
    soup = page(client.post(f"/concerns/{concern.id}/close", data=values))
    assert field_error(soup, "closed_on-day") == (
        "Date the concern was closed must be the same as or after the date it was received"
    )
    assert form_values(soup)["reason"] == "Visit found staffing safe"

    values.update(_date("closed_on", _day(1)))
    assert client.post(f"/concerns/{concern.id}/close", data=values).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Concern, concern.id)
    assert (saved.status, saved.closed_on, saved.closed_reason) == (
        ConcernStatus.CLOSED, _day(1), "Visit found staffing safe",
    )  # fmt: skip
    shown = page(client.get(f"/concerns/{concern.id}"))
    assert "Why it was closed Visit found staffing safe" in text(shown.select_one("[data-testid=concern-details]"))
    assert shown.find("a", string="Close the concern") is None
    assert shown.find("a", string="Edit") is None
    assert shown.find("a", string="Raise an action") is None
    # A closed concern is not changed again.
    for path in ("close", "edit", "actions/new"):
        response = client.get(f"/concerns/{concern.id}/{path}")
        assert (response.status_code, response.headers["Location"]) == (302, f"/concerns/{concern.id}")


def test_closing_a_concern_changed_meanwhile_is_refused_until_tried_again(client, login_as):
    login_as(Role.MANAGER)
    concern = factories.ConcernFactory()
    values = {**form_values(page(client.get(f"/concerns/{concern.id}/close"))), "reason": "Resolved at visit"}
    concern.severity = "high"
    db.session.commit()

    response = client.post(f"/concerns/{concern.id}/close", data=values)
    soup = page(response)
    assert response.status_code == 409
    assert "Your changes have not been saved" in text(soup.select_one(".govuk-error-summary"))
    assert form_values(soup)["reason"] == "Resolved at visit"
    db.session.expire_all()
    assert db.session.get(Concern, concern.id).status == ConcernStatus.OPEN
    assert client.post(f"/concerns/{concern.id}/close", data=form_values(soup)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Concern, concern.id).status == ConcernStatus.CLOSED


# Visits


def test_linking_and_unlinking_visits(client, login_as):
    login_as(Role.OFFICER)
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider, name="Elm House")
    sister = factories.ServiceFactory(provider=provider, name="Ash Lodge")
    recent = factories.VisitFactory(service=service, visited_on=_day(3))
    older = factories.VisitFactory(service=service, visited_on=_day(60))
    factories.VisitFactory(service=service, status="cancelled", visited_on=None, planned_on=_day(-3))
    sister_visit = factories.VisitFactory(service=sister)
    concern = factories.ConcernFactory(service=service)

    soup = page(client.get(f"/concerns/{concern.id}"))
    offered = [o["value"] for o in soup.select("select[name=visit_id] option") if o["value"]]
    assert offered == [str(recent.id), str(older.id)]

    response = client.post(f"/concerns/{concern.id}/visits", data={"visit_id": recent.id})
    assert (response.status_code, response.headers["Location"]) == (302, f"/concerns/{concern.id}#visits")
    soup = page(client.get(f"/concerns/{concern.id}"))
    assert soup.select_one(f"[data-testid=linked-visits] a[href='/visits/{recent.id}']") is not None
    assert [o["value"] for o in soup.select("select[name=visit_id] option") if o["value"]] == [str(older.id)]

    response = client.post(f"/concerns/{concern.id}/visits", data={"visit_id": sister_visit.id})
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "visit_id") == "Select a visit to the service this concern is about"
    assert error_summary(soup) == [("Select a visit to the service this concern is about", "#visit_id")]
    for bad in ("", "abc", "99999"):
        response = client.post(f"/concerns/{concern.id}/visits", data={"visit_id": bad})
        assert response.status_code == 400
        assert field_error(page(response), "visit_id") in ("Select a visit", "Select a visit from the list")

    response = client.post(f"/concerns/{concern.id}/visits/{recent.id}/unlink")
    assert response.status_code == 302
    links = db.session.execute(sa.select(concern_visit.c.visit_id)).scalars().all()
    assert links == []
    history = text(page(client.get(f"/concerns/{concern.id}")).select_one("[data-testid=audit-trail]"))
    assert f"Visit id: {recent.id} → (blank)" in history


def test_a_provider_wide_concern_links_visits_of_any_of_its_services_but_not_another_providers(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider, name="Elm House")
    sister = factories.ServiceFactory(provider=provider, name="Ash Lodge")
    visits = [factories.VisitFactory(service=service, visited_on=_day(9)), factories.VisitFactory(service=sister)]
    elsewhere = factories.VisitFactory()
    concern = factories.ConcernFactory(service=None, provider_id=provider.id)

    labels = [text(o) for o in page(client.get(f"/concerns/{concern.id}")).select("select[name=visit_id] option")]
    assert [label.split(",")[0] for label in labels[1:]] == ["Elm House", "Ash Lodge"]
    for visit in visits:
        assert client.post(f"/concerns/{concern.id}/visits", data={"visit_id": visit.id}).status_code == 302
    response = client.post(f"/concerns/{concern.id}/visits", data={"visit_id": elsewhere.id})
    assert response.status_code == 400
    assert field_error(page(response), "visit_id") == "Select a visit to one of this provider's services"
    rows = table_rows(page(client.get(f"/concerns/{concern.id}")), "[data-testid=linked-visits]")
    assert sorted(row[1] for row in rows) == ["Ash Lodge", "Elm House"]


# Actions


def _action_fields(**overrides) -> dict:
    due = date.today() + timedelta(days=28)
    data = {"description": "Review the night staffing rota", "key_question": "safe", "kind": "corrective",
            "priority": "high", "owner": "Registered manager", **_date("due_on", due)}  # fmt: skip
    data.update(overrides)
    return data


def test_an_action_is_raised_from_a_concern_about_a_service(client, login_as):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory()
    concern = factories.ConcernFactory(service=service)
    soup = page(client.get(f"/concerns/{concern.id}/actions/new"))
    assert soup.select_one("[name=service_id]") is None

    response = client.post(f"/concerns/{concern.id}/actions/new", data=_action_fields())
    action = db.session.scalars(sa.select(Action)).one()
    assert (response.status_code, response.headers["Location"]) == (302, f"/concerns/{concern.id}#actions")
    assert (action.concern_id, action.service_id, action.status) == (concern.id, service.id, ActionStatus.OPEN)
    rows = table_rows(page(client.get(f"/concerns/{concern.id}")), "[data-testid=concern-actions]")
    assert rows == [["Review the night staffing rota", format_date(date.today() + timedelta(days=28)), "Open"]]

    response = client.post(f"/concerns/{concern.id}/actions/new", data=_action_fields(owner="", description=""))
    soup = page(response)
    assert response.status_code == 400
    assert field_error(soup, "owner") == "Enter who at the provider is responsible"
    assert form_values(soup)["priority"] == "high"


def test_an_action_from_a_provider_wide_concern_names_one_of_its_services(client, login_as):
    login_as(Role.MANAGER)
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider, name="Elm House")
    elsewhere = factories.ServiceFactory()
    concern = factories.ConcernFactory(service=None, provider_id=provider.id)
    url = f"/concerns/{concern.id}/actions/new"
    soup = page(client.get(url))
    assert [o["value"] for o in soup.select("select[name=service_id] option") if o["value"]] == [str(service.id)]

    soup = page(client.post(url, data=_action_fields(owner="")))
    assert [message for message, _ in error_summary(soup)][:2] == [
        "Select the service the action is for", "Enter who at the provider is responsible",
    ]  # fmt: skip
    response = client.post(url, data=_action_fields(service_id=elsewhere.id))
    assert response.status_code == 400
    assert field_error(page(response), "service_id") == "Select one of this provider's services"
    assert client.post(url, data=_action_fields(service_id=service.id)).status_code == 302
    action = db.session.scalars(sa.select(Action)).one()
    assert (action.service_id, action.concern_id) == (service.id, concern.id)


# Who may do what


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROVIDER])
def test_admins_and_provider_users_may_not_log_or_change_concerns(client, login_as, role):
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    concern = factories.ConcernFactory(service=service)
    visit = factories.VisitFactory(service=service)
    login_as(role, provider=provider if role == Role.PROVIDER else None)
    for method, path in [
        ("get", f"/concerns/new?service_id={service.id}"),
        ("post", f"/concerns/new?service_id={service.id}"),
        ("get", f"/concerns/{concern.id}/edit"),
        ("get", f"/concerns/{concern.id}/close"),
        ("post", f"/concerns/{concern.id}/visits"),
        ("post", f"/concerns/{concern.id}/visits/{visit.id}/unlink"),
        ("get", f"/concerns/{concern.id}/actions/new"),
    ]:
        assert getattr(client, method)(path).status_code == 403, path


def test_provider_users_cannot_see_concerns_even_about_their_own_services(client, login_as):
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    concern = factories.ConcernFactory(service=service)
    login_as(Role.PROVIDER, provider=provider)
    assert client.get("/concerns").status_code == 403
    assert client.get(f"/concerns/{concern.id}").status_code == 403
    body = page(client.get(f"/providers/{service.provider_id}"))
    assert body.select_one("[data-testid=provider-concerns]") is None
    assert "Log a concern" not in text(body)


def test_a_director_reads_and_closes_but_does_not_raise_actions(client, login_as):
    login_as(Role.DIRECTOR)
    concern = factories.ConcernFactory()
    soup = page(client.get(f"/concerns/{concern.id}"))
    assert soup.find("a", string="Close the concern") is not None
    assert soup.find("a", string="Raise an action") is None
    assert client.get(f"/concerns/{concern.id}/actions/new").status_code == 403
    assert client.get("/concerns/99999").status_code == 404


def test_the_provider_page_lists_open_concerns_for_staff(client, login_as):
    login_as(Role.OFFICER)
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider, name="Elm House")
    open_one = factories.ConcernFactory(service=service, category="medication", severity="high")
    factories.ConcernFactory(service=service, status="closed", closed_on=_day(1))
    soup = page(client.get(f"/providers/{provider.id}"))
    section = soup.select_one("[data-testid=provider-concerns]")
    assert "Open concerns (1)" in text(section)
    assert [a["href"] for a in section.select("li a")] == [f"/concerns/{open_one.id}"]
    assert "Medication, high severity" in text(section)
    assert section.find("a", string="Log a concern about this provider")["href"] == (
        f"/concerns/new?provider_id={provider.id}"
    )


def test_the_forms_work_with_csrf_protection_on(app, client, login_as, monkeypatch):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory()
    visit = factories.VisitFactory(service=service)
    concern = factories.ConcernFactory(service=service)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    soup = page(client.get(f"/concerns/{concern.id}"))
    token = soup.select_one("[data-testid=link-visit-form] input[name=csrf_token]")["value"]
    assert client.post(f"/concerns/{concern.id}/visits", data={"visit_id": visit.id}).status_code == 400
    data = {"visit_id": visit.id, "csrf_token": token}
    assert client.post(f"/concerns/{concern.id}/visits", data=data).status_code == 302
    assert client.post(f"/concerns/{concern.id}/visits/{visit.id}/unlink").status_code == 400
    assert db.session.execute(sa.select(sa.func.count()).select_from(concern_visit)).scalar() == 1
    unlink = {"csrf_token": token}
    assert client.post(f"/concerns/{concern.id}/visits/{visit.id}/unlink", data=unlink).status_code == 302
    assert db.session.execute(sa.select(sa.func.count()).select_from(concern_visit)).scalar() == 0
    new = form_values(page(client.get(f"/concerns/new?service_id={service.id}")))
    assert client.post(f"/concerns/new?service_id={service.id}", data={**new, **_fields()}).status_code == 302
