"""The visit policy admin page: validation, saving, preview, conflicts and its effect on due dates."""

from datetime import date

import pytest

from provider_monitor.enums import DueState, PolicyBand, Role
from provider_monitor.extensions import db
from provider_monitor.services import visit_policy
from provider_monitor.services.visit_rules import add_months
from tests import factories
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text

URL = "/admin/visit-policy"


@pytest.fixture
def good_service(app_ctx):
    """A Good service visited eight months ago: on track under 12 months, overdue under 6."""
    service = factories.ServiceFactory(name="Elm Court")
    factories.record_ratings(service, factories.rating_state("2024-03-01", overall="Good"))
    factories.VisitFactory(service=service, visited_on=add_months(date.today(), -8))
    return service


def effect(soup, testid="effect-now") -> dict[str, str]:
    return {td["data-state"]: text(td) for td in soup.select(f"[data-testid={testid}] td")}


def test_the_page_shows_the_policy_in_force_and_its_effect(client, login_as, good_service):
    login_as(Role.ADMIN)
    soup = page(client.get(URL))
    values = form_values(soup)
    assert values["interval_good"] == "12" and values["interval_outstanding"] == "18"
    assert values["enhanced_cap_months"] == "3" and values["due_soon_days"] == "30"
    assert values["version_id"] == "0"
    assert [row[0] for row in table_rows(soup, "[data-testid=policy-bands]")] == [b.label for b in PolicyBand]
    assert effect(soup) == {"overdue": "0", "never_visited": "0", "due_soon": "0", "on_track": "1"}
    assert "applies once escalation levels are recorded" in text(soup).lower()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MANAGER, Role.CONTRACT_MANAGER, Role.PROVIDER])
def test_only_admins_may_use_it(client, login_as, app_ctx, role):
    login_as(role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={}).status_code in (400, 403)


def _submitted(client, **changes):
    values = form_values(page(client.get(URL)))
    values.update({key: str(value) for key, value in changes.items()})
    return values


def whole(noun: str, unit: str, low: int, high: int) -> str:
    return f"{noun} must be a whole number of {unit} from {low} to {high}"


def interval(band: str) -> str:
    return whole(f"The interval for {band}", "months", 1, 60)


SHORTEST = "must be no longer than the shortest interval (3 months, Inadequate)"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"interval_good": ""}, "interval_good", "Enter the interval for Good in months"),
        ({"interval_good": "six"}, "interval_good", interval("Good")),
        ({"interval_inadequate": "0"}, "interval_inadequate", interval("Inadequate")),
        (
            {"interval_outstanding": "61"},
            "interval_outstanding",
            interval("Outstanding"),
        ),
        ({"interval_good": "2.5"}, "interval_good", interval("Good")),
        ({"due_soon_days": "181"}, "due_soon_days", whole("The due soon period", "days", 1, 180)),
        (
            {"never_visited_grace_days": "-1"},
            "never_visited_grace_days",
            whole("The grace period for services never visited", "days", 0, 365),
        ),
        ({"comment_window_days": "0"}, "comment_window_days", whole("The comment window", "days", 1, 60)),
        ({"suspension_cap_months": "25"}, "suspension_cap_months", whole("The suspension limit", "months", 1, 24)),
        ({"enhanced_cap_months": "4"}, "enhanced_cap_months", f"The enhanced monitoring limit {SHORTEST}"),
        (
            {"enhanced_cap_months": "2", "suspension_cap_months": "4"},
            "suspension_cap_months",
            f"The suspension limit {SHORTEST}",
        ),
        (
            {"enhanced_cap_months": "1", "suspension_cap_months": "2"},
            "suspension_cap_months",
            "The suspension limit must be no longer than the enhanced monitoring limit",
        ),
    ],
)
def test_bad_values_get_clear_messages_and_keep_the_input(client, login_as, app_ctx, changes, field, message):
    login_as(Role.ADMIN)
    response = client.post(URL, data=_submitted(client, **changes))
    assert response.status_code == 400
    soup = page(response)
    assert soup.title.string.startswith("Error: ")
    assert (message, f"#{field}") in error_summary(soup)
    assert field_error(soup, field) == message
    assert form_values(soup)[field] == changes[field]
    assert visit_policy.policy_version(db.session) is None  # nothing saved


def test_saving_changes_due_dates_at_once(client, login_as, good_service):
    login_as(Role.ADMIN, name="Ada Admin")
    response = client.post(URL, data=_submitted(client, interval_good=6, due_soon_days=20))
    assert response.status_code == 302
    soup = page(client.get(URL))
    banner = text(soup.select_one(".govuk-notification-banner"))
    assert "The visit policy has been saved. Next visits now: 1 overdue (was 0)" in banner
    assert "0 on track (was 1)" in banner
    assert effect(soup)["overdue"] == "1"
    assert form_values(soup)["interval_good"] == "6"
    history = table_rows(soup, "[data-testid=policy-history]")
    changes = " ".join(row[2] for row in history)
    assert "Good: 12 → 6 months" in changes and "Due soon period: 30 → 20 days" in changes
    assert all("Ada Admin" in row[1] for row in history)
    due = visit_policy.due_date(db.session, good_service, date.today())
    assert (due.state, due.interval_months) == (DueState.OVERDUE, 6)


def test_saving_the_same_values_changes_nothing(client, login_as, good_service):
    login_as(Role.ADMIN)
    client.post(URL, data=_submitted(client))
    soup = page(client.get(URL))
    assert "Nothing was changed" in text(soup)
    assert table_rows(soup, "[data-testid=policy-history]") == []


def test_preview_shows_the_effect_without_saving(client, login_as, good_service):
    login_as(Role.ADMIN)
    data = _submitted(client, interval_good=6)
    data["preview"] = "Preview the effect"
    response = client.post(URL, data=data)
    assert response.status_code == 200
    soup = page(response)
    assert effect(soup, "effect-preview") == {"overdue": "1", "never_visited": "0", "due_soon": "0", "on_track": "0"}
    assert effect(soup)["on_track"] == "1"
    assert "nothing has been saved" in text(soup.select_one("[data-testid=preview]"))
    assert form_values(soup)["interval_good"] == "6"  # the admin's input is kept
    assert visit_policy.load_policy(db.session).intervals[PolicyBand.GOOD] == 12
    assert visit_policy.policy_version(db.session) is None


def test_a_stale_version_is_refused_with_the_input_kept(client, login_as, good_service):
    login_as(Role.ADMIN)
    client.post(URL, data=_submitted(client, interval_good=12, interval_inadequate=2, enhanced_cap_months=2))
    mine = _submitted(client, interval_good=9)  # opened now
    # Someone else saves in between.
    visit_policy.update_policy(db.session, {PolicyBand.GOOD: 10}, {"due_soon_days": 25}, expected_version=None)
    db.session.commit()
    response = client.post(URL, data=mine)
    assert response.status_code == 409
    soup = page(response)
    assert "Your changes have not been saved" in text(soup.select_one(".govuk-error-summary"))
    assert form_values(soup)["interval_good"] == "9"
    conflict = table_rows(soup, "[data-testid=conflict]")
    assert ["Good", "10", "9"] in conflict and ["Due soon period", "25", "30"] in conflict
    assert visit_policy.load_policy(db.session).intervals[PolicyBand.GOOD] == 10
    # Saving again from the conflict page is a knowing overwrite.
    assert client.post(URL, data=form_values(soup)).status_code == 302
    assert visit_policy.load_policy(db.session).intervals[PolicyBand.GOOD] == 9


def test_a_first_save_clashes_with_another_first_save(client, login_as, app_ctx):
    login_as(Role.ADMIN)
    mine = _submitted(client, interval_good=9)
    visit_policy.update_policy(db.session, {PolicyBand.GOOD: 10}, {}, expected_version=None)
    db.session.commit()
    assert client.post(URL, data=mine).status_code == 409


def test_the_caseload_follows_the_policy(client, login_as, good_service):
    login_as(Role.ADMIN)
    before = page(client.get("/caseload"))
    assert "on track" in text(before.select_one("[data-state=on_track]")).lower()
    client.post(URL, data=_submitted(client, interval_good=6))
    soup = page(client.get("/caseload"))
    rows = table_rows(soup, "[data-testid=caseload]")
    assert rows[0][0] == "Elm Court" and "Overdue" in rows[0][6] and "Every 6 months" in rows[0][6]
