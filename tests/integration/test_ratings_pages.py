"""CQC ratings on the service page, entering a rating by hand, and the Rating changes page."""

import csv
import io

import pytest
import sqlalchemy as sa

from provider_monitor.enums import RatingSource, Role, ServiceType
from provider_monitor.extensions import db
from provider_monitor.models import RatingSnapshot
from provider_monitor.services import ratings
from tests import factories
from tests.helpers import error_summary, field_error, page, table_rows, text


@pytest.fixture
def rated(app_ctx):
    """Willow declined Good → Inadequate on Overall and Safe; Ash improved on Well-led only."""
    mansfield = factories.DistrictFactory(code="E07000174", name="Mansfield")
    own = factories.ProviderFactory(name="Own Care")
    willow = factories.ServiceFactory(name="Willow House", provider=own, district=mansfield)
    ash = factories.ServiceFactory(name="Ash Court", service_type=ServiceType.HOME_CARE)
    ratings.record_states(
        db.session, willow.id,
        [factories.rating_state("2022-04-01", overall="Good", safe="Good", caring="Good"),
         factories.rating_state("2026-06-01", overall="Inadequate", safe="Inadequate", caring="Good")],
        source=RatingSource.CQC_API,
    )  # fmt: skip
    ratings.record_states(
        db.session, ash.id,
        [factories.rating_state("2021-01-01", overall="Good", well_led="Requires improvement"),
         factories.rating_state("2025-02-02", overall="Good", well_led="Good")],
        source=RatingSource.CQC_FILE,
    )  # fmt: skip
    db.session.commit()
    return {"own": own, "willow": willow, "ash": ash}


def test_the_service_page_shows_current_ratings_history_and_changes(client, login_as, rated):
    login_as()
    soup = page(client.get(f"/services/{rated['willow'].id}"))
    current = {row[0]: row[1:] for row in table_rows(soup, "[data-testid=current-ratings]")}
    assert current["Overall"] == ["Inadequate", "1 June 2026"]
    assert current["Caring"] == ["Good", "1 June 2026"]
    assert current["Effective"] == ["Not rated", "Not published"]
    history = table_rows(soup, "[data-testid=rating-history]")
    assert [row[0] for row in history] == ["1 June 2026", "1 April 2022"]
    changes = table_rows(soup, "[data-testid=service-rating-changes]")
    assert [row[1:3] for row in changes] == [["Overall", "Good → to Inadequate"], ["Safe", "Good → to Inadequate"]]
    assert all("High" in row[3] for row in changes)
    assert text(soup.select_one("[data-testid=current-ratings] caption")) == "Current ratings – source: CQC API"


def test_a_provider_user_sees_their_own_services_ratings(client, login_as, rated):
    login_as(Role.PROVIDER, provider=rated["own"])
    soup = page(client.get(f"/services/{rated['willow'].id}"))
    assert table_rows(soup, "[data-testid=current-ratings]")
    assert soup.find("a", string=lambda s: s and "Enter a rating by hand" in s) is None


def test_an_officer_enters_a_rating_by_hand(client, login_as, rated):
    login_as(Role.OFFICER)
    response = client.post(
        f"/services/{rated['ash'].id}/ratings/new",
        data={"published_on": ["3", "3", "2026"], "overall": "Requires improvement", "safe": "Inadequate"},
    )
    assert response.status_code == 302
    current = ratings.current_snapshots(db.session, [rated["ash"].id])[rated["ash"].id]
    assert (current.source, current.overall, current.safe, current.well_led) == (
        RatingSource.MANUAL, "Requires improvement", "Inadequate", "Good"
    )  # fmt: skip
    assert current.recorded_by_id is not None
    soup = page(client.get(response.headers["Location"]))
    assert "It brought 2 rating changes" in text(soup.select_one(".govuk-notification-banner"))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"overall": "Good"}, "published_on", "Enter the date the rating was published"),
        ({"published_on": ["1", "1", "2099"], "overall": "Good"}, "published_on",
         "Date the rating was published must be today or in the past"),
        ({"published_on": ["1", "1", "2026"]}, "overall", "Select at least one rating"),
        ({"published_on": ["1", "1", "2026"], "overall": "Brilliant"}, "overall", "Select overall from the list"),
    ],
)  # fmt: skip
def test_manual_entry_problems_are_named(client, login_as, rated, data, field, message):
    login_as(Role.OFFICER)
    before = db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)))
    soup = page(client.post(f"/services/{rated['ash'].id}/ratings/new", data=data))
    anchor = f"{field}-day" if field == "published_on" else field
    assert (message, f"#{anchor}") in error_summary(soup)
    assert field_error(soup, anchor) == message
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == before


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.PROVIDER])
def test_only_officers_managers_and_admins_enter_ratings(client, login_as, rated, role):
    login_as(role, provider=rated["own"] if role == Role.PROVIDER else None)
    assert client.get(f"/services/{rated['willow'].id}/ratings/new").status_code == 403


def _change_rows(response):
    return [
        (row[1].split(" ")[0], row[3], row[5].split(" ")[0])
        for row in table_rows(page(response), "[data-testid=rating-changes]")
    ]


def test_the_rating_changes_page_lists_changes_newest_first(client, login_as, rated):
    login_as()
    rows = _change_rows(client.get("/rating-changes"))
    assert rows == [("Willow", "Overall", "Decline"), ("Willow", "Safe", "Decline"), ("Ash", "Well-led", "Improvement")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"direction": "improvement"}, ["Well-led"]),
        ({"key_question": "safe"}, ["Safe"]),
        ({"district": "E07000174"}, ["Overall", "Safe"]),
        ({"service_type": "home_care"}, ["Well-led"]),
        ({"since": ["1", "1", "2026"]}, ["Overall", "Safe"]),
        ({"until": ["31", "12", "2025"]}, ["Well-led"]),
    ],
)
def test_rating_changes_filters(client, login_as, rated, query, expected):
    login_as()
    assert [row[1] for row in _change_rows(client.get("/rating-changes", query_string=query))] == expected


def test_bad_rating_change_filters_are_named(client, login_as, rated):
    login_as()
    response = client.get(
        "/rating-changes",
        query_string={"since": ["1", "6", "2026"], "until": ["1", "1", "2026"], "direction": "sideways"},
    )
    soup = page(response)
    assert response.status_code == 400 and soup.title.text.startswith("Error:")
    messages = [m for m, _ in error_summary(soup)]
    assert "Published to must be the same as or after published from" in messages
    assert "Select direction from the list" in messages


def test_rating_changes_export_matches_the_page(client, login_as, rated):
    login_as()
    rows = list(csv.reader(io.StringIO(client.get("/rating-changes.csv?direction=decline").get_data(as_text=True))))
    assert rows[0][:3] == ["Published", "Service", "CQC location ID"]
    assert [(r[1], r[5], r[6], r[7], r[9]) for r in rows[1:]] == [
        ("Willow House", "Overall", "Good", "Inadequate", "Yes"),
        ("Willow House", "Safe", "Good", "Inadequate", "Yes"),
    ]


def test_provider_users_cannot_open_rating_changes(client, login_as, rated):
    login_as(Role.PROVIDER, provider=rated["own"])
    assert client.get("/rating-changes").status_code == 403
    assert client.get("/rating-changes.csv").status_code == 403
