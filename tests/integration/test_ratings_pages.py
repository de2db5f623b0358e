"""CQC ratings on the service page, entering a rating by hand, the Rating changes page, and the register."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import KeyQuestion, RatingSource, Role, ServiceType
from provider_monitor.extensions import db
from provider_monitor.models import RatingChange, RatingSnapshot
from provider_monitor.services import cqc_import, ratings
from provider_monitor.services.cqc_records import location_record
from provider_monitor.services.rating_rules import Rating, State
from tests import factories
from tests.factories import rating_state
from tests.helpers import counted_queries, error_summary, field_error, page, table_rows, text

CQC_REPORTS = "https://www.cqc.org.uk/location/{}/reports"


@pytest.fixture
def rated(app_ctx):
    """Willow: Good → Inadequate on Overall and Safe (both high), Good → Requires improvement on Effective (not
    high). Ash: Well-led Requires improvement → Good. Birch: one rating, so no change."""
    mansfield = factories.DistrictFactory(code="E07000174", name="Mansfield")
    gedling = factories.DistrictFactory(code="E07000173", name="Gedling")
    own = factories.ProviderFactory(name="Own Care")
    willow = factories.ServiceFactory(
        name="Willow House", provider=own, district=mansfield, cqc_location_id="1-100000001"
    )
    ash = factories.ServiceFactory(
        name="Ash Court", service_type=ServiceType.HOME_CARE, district=gedling, cqc_location_id="1-100000002"
    )
    birch = factories.ServiceFactory(name="Birch Lodge", district=gedling, cqc_location_id="1-100000003")
    ratings.record_states(
        db.session, willow.id,
        [rating_state("2022-04-01", overall="Good", safe="Good", effective="Good", caring="Good"),
         rating_state("2026-06-01", overall="Inadequate", safe="Inadequate", effective="Requires improvement",
                      caring="Good", responsive="Inspected but not rated")],
        source=RatingSource.CQC_API,
    )  # fmt: skip
    ratings.record_states(
        db.session, ash.id,
        [rating_state("2021-01-01", overall="Good", well_led="Requires improvement"),
         rating_state("2025-02-02", overall="Good", well_led="Good")],
        source=RatingSource.CQC_FILE,
    )  # fmt: skip
    ratings.record_states(
        db.session, birch.id, [rating_state("2024-03-03", overall="Outstanding", safe="Good")],
        source=RatingSource.CQC_API,
    )  # fmt: skip
    db.session.commit()
    return {"own": own, "willow": willow, "ash": ash, "birch": birch}


# --- The service page -------------------------------------------------------------------------------------------


def _current(soup) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table_rows(soup, "[data-testid=current-ratings]")}


def _tag_class(soup, selector: str, word: str) -> str:
    cell = soup.select_one(selector)
    tag = cell.find("strong", class_="govuk-tag", string=word) if cell else None
    return " ".join(c for c in (tag.get("class") if tag else []) if c.startswith("govuk-tag--"))


def test_the_service_page_shows_current_ratings_with_dates_and_report_links(client, login_as, rated):
    login_as()
    soup = page(client.get(f"/services/{rated['willow'].id}"))
    current = _current(soup)
    assert current["Overall"][:2] == ["Inadequate", "1 June 2026"]
    assert current["Effective"][:2] == ["Requires improvement", "1 June 2026"]
    assert current["Responsive"][:2] == ["Inspected but not rated", "1 June 2026"]
    assert current["Well-led"] == ["Not rated", "Not published", "No CQC report"]
    links = soup.select("[data-testid=current-ratings] a")
    assert len(links) == 5
    assert {a["href"] for a in links} == {CQC_REPORTS.format("1-100000001")}
    assert text(links[0]) == "CQC reports for Overall, published 1 June 2026"
    assert text(soup.select_one("[data-testid=rating-source]")) == "Source: CQC API."


def test_rating_tags_are_coloured_by_rating_and_non_ratings_are_grey(client, login_as, rated):
    login_as()
    soup = page(client.get(f"/services/{rated['willow'].id}"))
    table = "[data-testid=current-ratings]"
    assert _tag_class(soup, table, "Inadequate") == "govuk-tag--red"
    assert _tag_class(soup, table, "Requires improvement") == "govuk-tag--orange"
    assert _tag_class(soup, table, "Good") == "govuk-tag--green"
    assert _tag_class(soup, table, "Inspected but not rated") == "govuk-tag--grey"
    outstanding = page(client.get(f"/services/{rated['birch'].id}"))
    assert _tag_class(outstanding, table, "Outstanding") == "govuk-tag--turquoise"


def test_the_service_page_shows_the_history_newest_first(client, login_as, rated):
    login_as()
    soup = page(client.get(f"/services/{rated['willow'].id}"))
    headers = [text(th) for th in soup.select("[data-testid=rating-history] thead th")]
    assert headers == ["Published", "Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led", "Source"]
    assert table_rows(soup, "[data-testid=rating-history]") == [
        ["1 June 2026", "Inadequate", "Inadequate", "Requires improvement", "Good", "Inspected but not rated",
         "Not rated", "CQC API"],
        ["1 April 2022", "Good", "Good", "Good", "Good", "Not rated", "Not rated", "CQC API"],
    ]  # fmt: skip


def test_the_overall_timeline_marks_the_decline(client, login_as, rated):
    login_as()
    soup = page(client.get(f"/services/{rated['willow'].id}"))
    items = [text(li) for li in soup.select("[data-testid=overall-timeline] li")]
    assert items == ["1 April 2022 Good", "1 June 2026 Inadequate Declined High severity"]


def test_the_timeline_leaves_out_reports_that_did_not_touch_overall(client, login_as, app_ctx):
    service = factories.ServiceFactory()
    good = rating_state("2020-01-01", overall="Good", safe="Good")
    # A Safe-only report: Overall stays the 2020 rating.
    later_safe = State(
        date(2022, 1, 1), {**good.ratings, KeyQuestion.SAFE: Rating("Requires improvement", date(2022, 1, 1))}
    )
    factories.record_ratings(service, good, later_safe, rating_state("2024-01-01", overall="Outstanding"))
    login_as()
    soup = page(client.get(f"/services/{service.id}"))
    assert len(table_rows(soup, "[data-testid=rating-history]")) == 3
    items = [text(li) for li in soup.select("[data-testid=overall-timeline] li")]
    assert items == ["1 January 2020 Good", "1 January 2024 Outstanding Improved"]


def test_the_service_page_lists_its_own_changes_with_high_severity_marked(client, login_as, rated):
    login_as()
    soup = page(client.get(f"/services/{rated['willow'].id}"))
    changes = table_rows(soup, "[data-testid=service-rating-changes]")
    assert [row[:3] for row in changes] == [
        ["1 June 2026", "Overall", "Good → to Inadequate"],
        ["1 June 2026", "Safe", "Good → to Inadequate"],
        ["1 June 2026", "Effective", "Good → to Requires improvement"],
    ]
    assert [row[3] for row in changes] == ["Decline High severity", "Decline High severity", "Decline"]


def test_a_service_without_changes_says_so(client, login_as, rated):
    login_as()
    soup = page(client.get(f"/services/{rated['birch'].id}"))
    assert soup.select_one("[data-testid=service-rating-changes]") is None
    assert "No rating has gone up or down" in text(soup.select_one("[data-testid=no-rating-changes]"))


def test_inherited_ratings_are_marked_and_link_to_the_previous_registration(client, login_as, app_ctx):
    service = factories.ServiceFactory(cqc_location_id="1-555000001")
    ratings.record_states(
        db.session, service.id, [rating_state("2023-05-05", overall="Good")], source=RatingSource.CQC_API,
        inherited_from="1-444000001",
    )  # fmt: skip
    db.session.commit()
    login_as()
    soup = page(client.get(f"/services/{service.id}"))
    source = text(soup.select_one("[data-testid=rating-source]"))
    assert "Inherited" in source and "inherited from a previous registration (CQC location 1-444000001)" in source
    assert soup.select_one("[data-testid=current-ratings] a")["href"] == CQC_REPORTS.format("1-444000001")
    history = table_rows(soup, "[data-testid=rating-history]")
    assert history[0][-1] == "CQC API, inherited from a previous registration (1-444000001)"


def test_hand_entered_ratings_without_a_cqc_id_have_no_report_link(client, login_as, app_ctx):
    service = factories.ServiceFactory(cqc_location_id=None)
    factories.record_ratings(service, rating_state("2025-01-01", overall="Good"), source=RatingSource.MANUAL)
    login_as()
    soup = page(client.get(f"/services/{service.id}"))
    assert soup.select("[data-testid=current-ratings] a") == []
    assert _current(soup)["Overall"] == ["Good", "1 January 2025", "No CQC report"]
    assert text(soup.select_one("[data-testid=rating-source]")) == "Source: Entered by hand."


def test_a_regulated_service_with_no_ratings_says_so_and_an_unregulated_one_has_no_section(client, login_as, app_ctx):
    regulated = factories.ServiceFactory()
    unregulated = factories.ServiceFactory(regulated=False, cqc_location_id=None)
    login_as()
    soup = page(client.get(f"/services/{regulated.id}"))
    assert "No CQC ratings are held for this service." in text(soup.select_one("main"))
    assert soup.find(id="cqc-ratings") is not None and soup.select_one("[data-testid=rating-history]") is None
    assert page(client.get(f"/services/{unregulated.id}")).find(id="cqc-ratings") is None


def _service_page_queries(client, service_id) -> int:
    with counted_queries() as statements:
        assert client.get(f"/services/{service_id}").status_code == 200
    return len(statements)


def test_the_ratings_cost_the_same_queries_however_long_the_history(client, login_as, app_ctx):
    provider = factories.ProviderFactory()
    short, long, unrated = (factories.ServiceFactory(provider=provider) for _ in range(3))
    factories.record_ratings(short, rating_state("2020-01-01", overall="Good"))
    values = ["Good", "Requires improvement", "Inadequate", "Outstanding"]
    factories.record_ratings(
        long, *(rating_state(f"{2000 + i}-01-01", overall=values[i % 4], safe=values[(i + 1) % 4]) for i in range(20))
    )
    login_as()
    _service_page_queries(client, unrated.id)  # the first request after signing in may refresh the session
    with_history = _service_page_queries(client, long.id)
    assert with_history == _service_page_queries(client, short.id)
    # History and changes: at most three queries more than a service with no ratings at all.
    assert with_history - _service_page_queries(client, unrated.id) <= 3


def test_a_provider_user_sees_their_own_services_ratings_but_cannot_enter_one(client, login_as, rated):
    login_as(Role.PROVIDER, provider=rated["own"])
    soup = page(client.get(f"/services/{rated['willow'].id}"))
    assert _current(soup)["Overall"][0] == "Inadequate"
    assert table_rows(soup, "[data-testid=rating-history]")
    assert soup.find("a", string=lambda s: s and "Enter a rating by hand" in s) is None
    assert client.get(f"/services/{rated['ash'].id}").status_code == 404


@pytest.mark.parametrize(("role", "shown"), [(Role.OFFICER, True), (Role.MANAGER, True), (Role.ADMIN, True),
                                             (Role.CONTRACT_MANAGER, False)])  # fmt: skip
def test_the_enter_a_rating_link_is_shown_only_to_those_who_may(client, login_as, rated, role, shown):
    login_as(role)
    soup = page(client.get(f"/services/{rated['ash'].id}"))
    link = soup.find("a", href=f"/services/{rated['ash'].id}/ratings/new")
    assert (link is not None) == shown


# --- Entering a rating by hand ----------------------------------------------------------------------------------


def _manual_url(service) -> str:
    return f"/services/{service.id}/ratings/new"


def test_the_form_shows_the_ratings_held_now(client, login_as, rated):
    login_as()
    soup = page(client.get(_manual_url(rated["willow"])))
    held = {row[0]: row[1] for row in table_rows(soup, "[data-testid=held-ratings]")}
    assert held["Overall"] == "Inadequate" and held["Well-led"] == "Not rated"
    assert [o.get_text() for o in soup.select("#safe option")] == [
        "Keep what is held", "Outstanding", "Good", "Requires improvement", "Inadequate", "Inspected but not rated",
        "No published rating",
    ]  # fmt: skip


def test_an_officer_enters_a_rating_by_hand_and_sees_what_changed(client, login_as, rated):
    officer = login_as(Role.OFFICER)
    response = client.post(
        _manual_url(rated["ash"]),
        data={"published_on": ["3", "3", "2026"], "overall": "Requires improvement", "safe": "Inadequate"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/services/{rated['ash'].id}")
    current = ratings.current_snapshots(db.session, [rated["ash"].id])[rated["ash"].id]
    assert (current.source, current.published_on, current.overall, current.safe, current.well_led) == (
        RatingSource.MANUAL, date(2026, 3, 3), "Requires improvement", "Inadequate", "Good"
    )  # fmt: skip
    assert current.recorded_by_id == officer.id
    soup = page(client.get(response.headers["Location"]))
    banner = text(soup.select_one(".govuk-notification-banner--success"))
    assert "The rating published on 3 March 2026 has been recorded." in banner
    assert "Overall went from Good to Requires improvement (decline, high severity)." in banner
    assert "Safe" not in banner  # Safe had no rating before: nothing went up or down
    assert _current(soup)["Overall"][0] == "Requires improvement"
    assert table_rows(soup, "[data-testid=rating-history]")[0][-1] == "Entered by hand"


def test_a_first_rating_entered_by_hand_changes_nothing_up_or_down(client, login_as, app_ctx):
    service = factories.ServiceFactory(cqc_location_id=None)
    login_as(Role.MANAGER)
    response = client.post(_manual_url(service), data={"published_on": ["1", "2", "2025"], "overall": "Good"})
    banner = text(page(client.get(response.headers["Location"])).select_one(".govuk-notification-banner"))
    assert "No rating went up or down." in banner
    assert db.session.scalar(sa.select(sa.func.count(RatingChange.id))) == 0


def test_a_rating_older_than_the_one_held_is_refused(client, login_as, rated):
    login_as(Role.ADMIN)
    before = db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)))
    response = client.post(
        _manual_url(rated["birch"]), data={"published_on": ["2", "3", "2024"], "overall": "Requires improvement"}
    )
    assert response.status_code == 400
    message = (
        "Date the rating was published must be the same as or after 3 March 2024, when the ratings held now were "
        "published"
    )
    assert field_error(page(response), "published_on-day") == message
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == before
    same_day = client.post(_manual_url(rated["birch"]), data={"published_on": ["3", "3", "2024"], "safe": "Inadequate"})
    assert same_day.status_code == 302
    current = ratings.current_snapshots(db.session, [rated["birch"].id])[rated["birch"].id]
    assert (current.overall, current.safe, current.source) == ("Outstanding", "Inadequate", RatingSource.MANUAL)


def test_entering_the_same_rating_twice_adds_nothing(client, login_as, rated):
    login_as()
    data = {"published_on": ["5", "5", "2025"], "caring": "Good"}
    first = client.post(_manual_url(rated["ash"]), data=data)
    assert "has been recorded" in text(
        page(client.get(first.headers["Location"])).select_one(".govuk-notification-banner")
    )
    before = db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)))
    response = client.post(_manual_url(rated["ash"]), data=data)
    banner = text(page(client.get(response.headers["Location"])).select_one(".govuk-notification-banner"))
    assert "already held, so nothing was added" in banner
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"overall": "Good"}, "published_on", "Enter the date the rating was published"),
        ({"published_on": ["1", "", "2026"], "overall": "Good"}, "published_on",
         "Date the rating was published must include a month"),
        ({"published_on": ["31", "2", "2026"], "overall": "Good"}, "published_on",
         "Date the rating was published must be a real date"),
        ({"published_on": ["1", "1", "2099"], "overall": "Good"}, "published_on",
         "Date the rating was published must be today or in the past"),
        ({"published_on": ["1", "1", "2026"]}, "overall", "Select at least one rating"),
        ({"published_on": ["1", "1", "2026"], "overall": "Brilliant"}, "overall", "Select overall from the list"),
        ({"published_on": ["1", "1", "2026"], "well_led": "Superb"}, "well_led", "Select well-led from the list"),
    ],
)  # fmt: skip
def test_manual_entry_problems_are_named(client, login_as, rated, data, field, message):
    login_as(Role.OFFICER)
    before = db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)))
    response = client.post(_manual_url(rated["ash"]), data=data)
    soup = page(response)
    assert response.status_code == 400 and soup.title.text.startswith("Error:")
    anchor = f"{field}-day" if field == "published_on" else field
    assert (message, f"#{anchor}") in error_summary(soup)
    assert field_error(soup, anchor) == message
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == before


def test_todays_date_is_accepted(client, login_as, rated):
    login_as()
    today = date.today()
    response = client.post(
        _manual_url(rated["ash"]), data={"published_on": [str(today.day), str(today.month), str(today.year)],
                                         "responsive": "Good"},
    )  # fmt: skip
    assert response.status_code == 302
    tomorrow = today + timedelta(days=1)
    refused = client.post(
        _manual_url(rated["ash"]), data={"published_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
                                         "responsive": "Good"},
    )  # fmt: skip
    assert refused.status_code == 400


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.PROVIDER])
def test_only_officers_managers_and_admins_enter_ratings(client, login_as, rated, role):
    login_as(role, provider=rated["own"] if role == Role.PROVIDER else None)
    before = db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)))
    assert client.get(_manual_url(rated["willow"])).status_code == 403
    response = client.post(_manual_url(rated["willow"]), data={"published_on": ["1", "1", "2026"], "overall": "Good"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == before


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MANAGER, Role.ADMIN])
def test_officers_managers_and_admins_open_the_form(client, login_as, rated, role):
    login_as(role)
    assert client.get(_manual_url(rated["willow"])).status_code == 200
    assert client.get("/services/999999/ratings/new").status_code == 404


# --- The Rating changes page ------------------------------------------------------------------------------------


def _change_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return table_rows(page(response), "[data-testid=rating-changes]")


def _summary(rows) -> list[tuple[str, str, str]]:
    """(service, key question, direction) per row."""
    return [(row[1], row[4], row[6]) for row in rows]


def test_the_rating_changes_page_lists_changes_newest_first(client, login_as, rated):
    login_as()
    response = client.get("/rating-changes")
    soup = page(response)
    headers = [text(th) for th in soup.select("[data-testid=rating-changes] thead th")]
    assert headers == ["Published", "Service", "District", "Service type", "Key question", "Change", "Direction"]
    assert table_rows(soup, "[data-testid=rating-changes]") == [
        ["1 June 2026", "Willow House", "Mansfield", "Care home without nursing", "Overall", "Good → to Inadequate",
         "Decline High severity"],
        ["1 June 2026", "Willow House", "Mansfield", "Care home without nursing", "Safe", "Good → to Inadequate",
         "Decline High severity"],
        ["1 June 2026", "Willow House", "Mansfield", "Care home without nursing", "Effective",
         "Good → to Requires improvement", "Decline"],
        ["2 February 2025", "Ash Court", "Gedling", "Home care", "Well-led", "Requires improvement → to Good",
         "Improvement"],
    ]  # fmt: skip
    link = soup.select_one("[data-testid=rating-changes] tbody a")
    assert link["href"] == f"/services/{rated['willow'].id}#cqc-ratings"
    assert text(soup.select_one("[data-testid=result-count]")) == "4 changes"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"direction": "improvement"}, [("Ash Court", "Well-led", "Improvement")]),
        ({"direction": "decline", "key_question": "effective"}, [("Willow House", "Effective", "Decline")]),
        ({"key_question": "well_led"}, [("Ash Court", "Well-led", "Improvement")]),
        ({"severity": "high"}, [("Willow House", "Overall", "Decline High severity"),
                                ("Willow House", "Safe", "Decline High severity")]),
        ({"district": "E07000173"}, [("Ash Court", "Well-led", "Improvement")]),
        ({"service_type": "home_care"}, [("Ash Court", "Well-led", "Improvement")]),
        ({"since": ["1", "6", "2026"]}, [("Willow House", "Overall", "Decline High severity"),
                                         ("Willow House", "Safe", "Decline High severity"),
                                         ("Willow House", "Effective", "Decline")]),
        ({"until": ["2", "2", "2025"]}, [("Ash Court", "Well-led", "Improvement")]),
        ({"since": ["2", "2", "2025"], "until": ["31", "5", "2026"]}, [("Ash Court", "Well-led", "Improvement")]),
        ({"since": ["2", "6", "2026"]}, []),
    ],
)  # fmt: skip
def test_each_rating_changes_filter(client, login_as, rated, query, expected):
    login_as()
    response = client.get("/rating-changes", query_string=query)
    assert _summary(_change_rows(response)) == expected
    if not expected:
        assert text(page(response).select_one("[data-testid=result-count]")) == "No rating changes match."


def test_the_filters_keep_what_was_chosen(client, login_as, rated):
    login_as()
    soup = page(client.get("/rating-changes", query_string={"direction": "decline", "since": ["1", "6", "2026"]}))
    assert soup.select_one("#direction option[selected]")["value"] == "decline"
    assert soup.select_one("#since-day")["value"] == "1" and soup.select_one("#since-year")["value"] == "2026"
    csv_link = soup.find("a", string=lambda s: s and "as CSV" in s)["href"]
    assert csv_link.startswith("/rating-changes.csv?") and "direction=decline" in csv_link and "since=2026" in csv_link


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ({"since": ["1", "6", "2026"], "until": ["1", "1", "2026"]},
         ["Published to must be the same as or after published from"]),
        ({"since": ["1", "", "2026"]}, ["Published from must include a month"]),
        ({"until": ["30", "2", "2026"]}, ["Published to must be a real date"]),
        ({"until": ["x", "y", "z"]}, ["Published to must be a real date"]),
        ({"direction": "sideways"}, ["Select direction from the list"]),
        ({"key_question": "kind"}, ["Select key question from the list"]),
        ({"district": "E99999999"}, ["Select district from the list"]),
        ({"service_type": "spaceship"}, ["Select service type from the list"]),
        ({"severity": "medium"}, ["Select severity from the list"]),
        ({"direction": "sideways", "severity": "x"},
         ["Select direction from the list", "Select severity from the list"]),
    ],
)  # fmt: skip
def test_bad_rating_change_filters_are_named(client, login_as, rated, query, messages):
    login_as()
    response = client.get("/rating-changes", query_string=query)
    soup = page(response)
    assert response.status_code == 400 and soup.title.text.startswith("Error:")
    assert [m for m, _ in error_summary(soup)] == messages
    assert soup.select_one("[data-testid=rating-changes]") is None
    csv_response = client.get("/rating-changes.csv", query_string=query)
    assert csv_response.status_code == 400
    assert messages[0] in csv_response.get_data(as_text=True)


def test_a_bad_page_number_is_a_clear_400(client, login_as, rated):
    login_as()
    response = client.get("/rating-changes?page=banana")
    assert response.status_code == 400
    assert "page number must be a whole number" in response.get_data(as_text=True)


@pytest.fixture
def many_changes(app_ctx):
    """54 changes on one service (Good and Requires improvement alternating) and 1 on another."""
    busy = factories.ServiceFactory(name="Busy House")
    other = factories.ServiceFactory(name="Other House", service_type=ServiceType.HOME_CARE)
    values = ["Good", "Requires improvement"]
    start = date(2000, 1, 1)
    states = [rating_state((start + timedelta(days=30 * i)).isoformat(), safe=values[i % 2]) for i in range(55)]
    factories.record_ratings(busy, *states)
    factories.record_ratings(
        other, rating_state("1999-01-01", overall="Good"), rating_state("1999-06-01", overall="Inadequate")
    )
    return {"busy": busy, "other": other}


def test_rating_changes_are_paged_fifty_at_a_time_keeping_the_filters(client, login_as, many_changes):
    login_as()
    soup = page(client.get("/rating-changes", query_string={"key_question": "safe"}))
    assert len(table_rows(soup, "[data-testid=rating-changes]")) == 50
    assert text(soup.select_one("[data-testid=result-count]")) == "54 changes, page 1 of 2"
    next_link = soup.select_one(".govuk-pagination__next a")["href"]
    assert "key_question=safe" in next_link and "page=2" in next_link
    second = table_rows(page(client.get(next_link)), "[data-testid=rating-changes]")
    assert len(second) == 4 and {row[1] for row in second} == {"Busy House"}


def test_the_rating_changes_page_costs_the_same_queries_for_few_or_many(client, login_as, rated, many_changes):
    login_as()
    client.get("/rating-changes")  # the first request after signing in may refresh the session
    with counted_queries() as few:
        assert len(_change_rows(client.get("/rating-changes", query_string={"service_type": "home_care"}))) == 2
    with counted_queries() as full:
        assert len(_change_rows(client.get("/rating-changes"))) == 50
    assert len(few) == len(full)


def test_the_csv_export_is_exactly_the_filtered_list(client, login_as, rated, many_changes):
    login_as()
    query = {"direction": "decline", "since": ["1", "1", "2000"]}
    shown = [(r[0], r[1], r[4]) for r in _change_rows(client.get("/rating-changes", query_string=query))]
    response = client.get("/rating-changes.csv", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="rating-changes.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Published", "Service", "CQC location ID", "District", "Service type", "Key question", "From",
                       "To", "Direction", "High severity"]  # fmt: skip
    # Every matching change (not just the first page), in the page's order.
    assert len(rows) - 1 == 27 + 3
    assert [(r[1], r[5]) for r in rows[1:4]] == [(s, q) for _, s, q in shown[:3]]
    assert rows[1] == ["2026-06-01", "Willow House", "1-100000001", "Mansfield", "Care home without nursing", "Overall",
                       "Good", "Inadequate", "Decline", "Yes"]  # fmt: skip
    assert rows[3][5:] == ["Effective", "Good", "Requires improvement", "Decline", "No"]
    assert {r[8] for r in rows[1:]} == {"Decline"}


def test_provider_users_cannot_open_rating_changes(client, login_as, rated):
    login_as(Role.PROVIDER, provider=rated["own"])
    assert client.get("/rating-changes").status_code == 403
    assert client.get("/rating-changes.csv").status_code == 403


def test_the_staff_navigation_links_to_rating_changes(client, login_as, rated):
    login_as(Role.CONTRACT_MANAGER)
    soup = page(client.get("/rating-changes"))
    link = soup.select_one(".govuk-service-navigation a[href='/rating-changes']")
    assert text(link) == "Rating changes"
    login_as(Role.PROVIDER, provider=rated["own"])
    own = page(client.get(f"/services/{rated['willow'].id}"))
    assert own.select_one(".govuk-service-navigation a[href='/rating-changes']") is None


# --- The register -----------------------------------------------------------------------------------------------


def _register_names(response) -> list[str]:
    assert response.status_code == 200
    return [row[0].split(" 1-")[0] for row in table_rows(page(response), "[data-testid=register]")]


@pytest.fixture
def rated_register(rated):
    """Adds Elm (nothing rated) to Willow (Inadequate), Ash (Good) and Birch (Outstanding)."""
    rated["elm"] = factories.ServiceFactory(name="Elm Rise", cqc_location_id="1-100000004")
    return rated


def test_the_register_filters_by_current_rating_in_a_fieldset(client, login_as, rated_register):
    login_as()
    soup = page(client.get("/services"))
    fieldset = soup.find("legend", string=lambda s: s and "Current CQC rating" in s).find_parent("fieldset")
    assert {text(label) for label in fieldset.select("label")} == {"Key question", "Rating"}
    assert [o.get_text() for o in fieldset.select("#rating option")] == [
        "Any rating", "Outstanding", "Good", "Requires improvement", "Inadequate", "No rating"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"rating": "Inadequate"}, ["Willow House"]),
        ({"rating_question": "overall", "rating": "Good"}, ["Ash Court"]),
        ({"rating_question": "safe", "rating": "Good"}, ["Birch Lodge"]),
        ({"rating_question": "effective", "rating": "Requires improvement"}, ["Willow House"]),
        # Nothing held, or a non-rating ("Inspected but not rated"), is "No rating".
        ({"rating_question": "responsive", "rating": "none"}, ["Ash Court", "Birch Lodge", "Elm Rise", "Willow House"]),
        ({"rating": "none"}, ["Elm Rise"]),
    ],
)  # fmt: skip
def test_the_register_filters_by_the_current_rating_of_any_question(client, login_as, rated_register, query, expected):
    login_as()
    assert _register_names(client.get("/services", query_string=query)) == expected


def test_the_register_sorts_by_overall_and_by_a_key_question(client, login_as, rated_register):
    login_as()
    by_overall = _register_names(client.get("/services", query_string={"sort": "rating_overall"}))
    assert by_overall == ["Willow House", "Ash Court", "Birch Lodge", "Elm Rise"]
    best_first = _register_names(client.get("/services", query_string={"sort": "rating_overall", "direction": "desc"}))
    assert best_first == ["Birch Lodge", "Ash Court", "Willow House", "Elm Rise"]
    by_safe = _register_names(client.get("/services", query_string={"sort": "rating_safe", "direction": "desc"}))
    assert by_safe[:2] == ["Birch Lodge", "Willow House"]  # Good, then Inadequate; the unrated last
    assert set(by_safe[2:]) == {"Ash Court", "Elm Rise"}


def test_bad_register_rating_filters_are_named(client, login_as, rated_register):
    login_as()
    response = client.get("/services", query_string={"rating": "Brilliant", "rating_question": "kindness"})
    assert response.status_code == 400
    assert [m for m, _ in error_summary(page(response))] == [
        "Select key question from the list", "Select rating from the list"
    ]  # fmt: skip


def test_the_register_shows_the_overall_tag(client, login_as, rated_register):
    login_as()
    soup = page(client.get("/services"))
    headers = [text(th) for th in soup.select("[data-testid=register] thead th")]
    column = headers.index("CQC Overall")
    rows = {row[0].split(" 1-")[0]: row[column] for row in table_rows(soup, "[data-testid=register]")}
    assert rows == {"Willow House": "Inadequate", "Ash Court": "Good", "Birch Lodge": "Outstanding",
                    "Elm Rise": "Not rated"}  # fmt: skip


def test_the_register_csv_appends_the_current_ratings(client, login_as, rated_register):
    login_as()
    rows = list(csv.reader(io.StringIO(client.get("/services.csv?sort=rating_overall").get_data(as_text=True))))
    assert rows[0][:3] == ["Service name", "CQC location ID", "Provider"]
    # The six ratings come before the two escalation columns.
    assert rows[0][-8:-2] == ["CQC Overall", "CQC Safe", "CQC Effective", "CQC Caring", "CQC Responsive",
                              "CQC Well-led"]  # fmt: skip
    assert [r[0] for r in rows[1:]] == ["Willow House", "Ash Court", "Birch Lodge", "Elm Rise"]
    assert rows[1][-8:-2] == ["Inadequate", "Inadequate", "Requires improvement", "Good", "Inspected but not rated", ""]
    assert rows[4][-8:-2] == [""] * 6


def test_the_register_costs_the_same_queries_with_rating_filters(client, login_as, rated_register):
    login_as()
    client.get("/services")  # the first request after signing in may refresh the session
    with counted_queries() as plain:
        client.get("/services")
    with counted_queries() as filtered:
        client.get("/services", query_string={"rating_question": "safe", "rating": "Good", "sort": "rating_caring"})
    assert len(plain) == len(filtered)


# --- A real CQC record ------------------------------------------------------------------------------------------


def test_a_real_cqc_decline_shows_on_the_service_page_and_the_changes_page(client, login_as, app_ctx, shared_data):
    folder = shared_data / "cqc" / "api" / "locations"
    path = next(folder.glob("1-112767279_*.json"), None)
    if path is None:
        pytest.skip("the real record 1-112767279 is not in the shared data")
    outcome = cqc_import.import_location(
        db.session, location_record(json.loads(path.read_text())), source=RatingSource.CQC_API
    )
    db.session.commit()
    login_as()
    soup = page(client.get(f"/services/{outcome.service_id}"))
    current = _current(soup)
    assert current["Overall"][0] == "Inadequate"
    assert current["Safe"][:2] == ["Inadequate", "30 December 2020"]
    assert current["Caring"][:2] == ["Good", "25 December 2019"]
    assert soup.select_one("[data-testid=current-ratings] a")["href"] == CQC_REPORTS.format("1-112767279")
    overall = [row for row in table_rows(soup, "[data-testid=service-rating-changes]") if row[1] == "Overall"]
    assert overall[0][2:] == ["Good → to Inadequate", "Decline High severity"]
    changes = _summary(_change_rows(client.get("/rating-changes", query_string={"key_question": "overall"})))
    assert changes[0][1:] == ("Overall", "Decline High severity")
