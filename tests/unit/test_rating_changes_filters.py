"""The Rating changes filters and the hand-entry form, checked without pages; the Overall timeline rules."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from provider_monitor.enums import ChangeDirection, KeyQuestion
from provider_monitor.forms.ratings import ChangeFilterForm, ManualRatingForm
from provider_monitor.services.rating_changes import ChangeFilters, TimelineItem, overall_timeline


@pytest.fixture
def filter_form(app):
    """Validate the filters as the page would read them from the query string."""

    def run(**args):
        with app.test_request_context():
            form = ChangeFilterForm(MultiDict(args), meta={"csrf": False})
            form.district.choices = [("E07000174", "Mansfield"), ("E07000173", "Gedling")]
            valid = form.validate()
            return form, valid

    return run


def _messages(form) -> list[str]:
    return [message for field in form for message in field.errors]


def test_no_filters_is_everything(filter_form):
    form, valid = filter_form()
    assert valid
    assert form.filters(page=3) == ChangeFilters(page=3)


def test_every_filter_reaches_the_query(filter_form):
    form, valid = filter_form(
        direction="decline", key_question="well_led", severity="high", district="E07000173",
        service_type="home_care", since=["1", "4", "2026"], until=["31", "3", "2027"],
    )  # fmt: skip
    assert valid, _messages(form)
    assert form.filters(page=2) == ChangeFilters(
        direction="decline", key_question="well_led", since=date(2026, 4, 1), until=date(2027, 3, 31),
        district_code="E07000173", service_type="home_care", high_severity_only=True, page=2,
    )  # fmt: skip


def test_the_same_day_for_from_and_to_is_allowed(filter_form):
    form, valid = filter_form(since=["1", "4", "2026"], until=["1", "4", "2026"])
    assert valid and form.filters().since == form.filters().until == date(2026, 4, 1)


def test_to_before_from_is_refused(filter_form):
    form, valid = filter_form(since=["2", "4", "2026"], until=["1", "4", "2026"])
    assert not valid
    assert form.until.errors == ["Published to must be the same as or after published from"]
    assert form.since.errors == []


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"since": ["", "4", "2026"]}, "since", "Published from must include a day"),
        ({"since": ["1", "", ""]}, "since", "Published from must include a month and year"),
        ({"until": ["29", "2", "2027"]}, "until", "Published to must be a real date"),
        ({"until": ["1", "1", "1800"]}, "until", "Published to must be a real date"),
        ({"until": ["1", "1", "²⁰²⁶"]}, "until", "Published to must be a real date"),
        ({"direction": "Decline"}, "direction", "Select direction from the list"),
        ({"key_question": "Overall"}, "key_question", "Select key question from the list"),
        ({"severity": "true"}, "severity", "Select severity from the list"),
        ({"district": "E07000999"}, "district", "Select district from the list"),
        ({"service_type": "care_home "}, "service_type", "Select service type from the list"),
    ],
)
def test_bad_filters_are_named(filter_form, args, field, message):
    form, valid = filter_form(**args)
    assert not valid
    assert getattr(form, field).errors == [message]
    assert _messages(form) == [message]


def test_a_bad_date_does_not_also_complain_about_the_range(filter_form):
    form, valid = filter_form(since=["1", "13", "2026"], until=["1", "1", "2026"])
    assert not valid
    assert _messages(form) == ["Published from must be a real date"]


@pytest.fixture
def manual_form(app):
    def run(held_on=None, **data):
        with app.test_request_context(method="POST"):
            form = ManualRatingForm(formdata=MultiDict(data), meta={"csrf": False})
            form.held_on = held_on
            valid = form.validate()
            return form, valid

    return run


def test_a_hand_entry_needs_a_date_and_one_rating(manual_form):
    form, valid = manual_form()
    assert not valid
    assert form.published_on.errors == ["Enter the date the rating was published"]
    assert form.overall.errors == ["Select at least one rating"]


def test_a_partial_date_keeps_its_own_message(manual_form):
    form, valid = manual_form(published_on=["1", "", "2026"], safe="Good")
    assert not valid
    assert form.published_on.errors == ["Date the rating was published must include a month"]


def test_blank_questions_are_left_out_of_the_entry(manual_form):
    form, valid = manual_form(published_on=["1", "2", "2026"], overall="", caring="Inspected but not rated")
    assert valid, _messages(form)
    assert form.ratings() == {KeyQuestion.CARING: "Inspected but not rated"}


def test_a_hand_entry_cannot_be_older_than_the_ratings_held(manual_form):
    held = date(2026, 2, 1)
    form, valid = manual_form(held_on=held, published_on=["31", "1", "2026"], overall="Good")
    assert not valid
    assert form.published_on.errors == [
        "Date the rating was published must be the same as or after 1 February 2026, when the ratings held now "
        "were published"
    ]
    assert manual_form(held_on=held, published_on=["1", "2", "2026"], overall="Good")[1]


def test_a_hand_entry_cannot_be_in_the_future(manual_form):
    tomorrow = date.today() + timedelta(days=1)
    form, valid = manual_form(published_on=[str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)], safe="Good")
    assert not valid
    assert form.published_on.errors == ["Date the rating was published must be today or in the past"]


# --- The Overall timeline ---------------------------------------------------------------------------------------


def _snapshot(id_, published, overall, overall_date=None):
    return SimpleNamespace(
        id=id_, published_on=published, overall=overall, overall_date=overall_date or published
    )  # fmt: skip


def _change(snapshot_id, question, direction, high=False):
    return SimpleNamespace(snapshot_id=snapshot_id, key_question=question, direction=direction, high_severity=high)


def test_the_timeline_is_oldest_first_with_each_overall_move():
    first, second, third = date(2020, 1, 1), date(2022, 1, 1), date(2024, 1, 1)
    snapshots = [_snapshot(3, third, "Good"), _snapshot(1, first, "Good"), _snapshot(2, second, "Inadequate")]
    changes = [
        _change(2, KeyQuestion.OVERALL, ChangeDirection.DECLINE, high=True),
        _change(2, KeyQuestion.SAFE, ChangeDirection.DECLINE, high=True),
        _change(3, KeyQuestion.OVERALL, ChangeDirection.IMPROVEMENT),
    ]
    assert overall_timeline(snapshots, changes) == [
        TimelineItem(first, "Good", None, False),
        TimelineItem(second, "Inadequate", ChangeDirection.DECLINE, True),
        TimelineItem(third, "Good", ChangeDirection.IMPROVEMENT, False),
    ]


def test_the_timeline_skips_repeats_and_snapshots_without_overall():
    first = date(2020, 1, 1)
    snapshots = [
        _snapshot(1, first, "Good"),
        _snapshot(2, date(2021, 1, 1), "Good", overall_date=first),  # a key-question report: same Overall report
        _snapshot(3, date(2022, 1, 1), None),
        _snapshot(4, date(2023, 1, 1), "Good"),  # Good confirmed by a new report: shown
    ]
    items = overall_timeline(snapshots, [_change(2, KeyQuestion.SAFE, ChangeDirection.DECLINE)])
    assert [(i.published_on, i.overall, i.direction) for i in items] == [
        (first, "Good", None), (date(2023, 1, 1), "Good", None)
    ]  # fmt: skip


def test_a_non_rating_is_on_the_timeline_without_a_direction():
    snapshots = [_snapshot(1, date(2020, 1, 1), "Good"), _snapshot(2, date(2021, 1, 1), "Inspected but not rated")]
    items = overall_timeline(snapshots, [])
    assert [(i.overall, i.direction) for i in items] == [("Good", None), ("Inspected but not rated", None)]


def test_an_undated_snapshot_comes_first():
    snapshots = [_snapshot(2, date(2021, 1, 1), "Good"), _snapshot(1, None, "No published rating")]
    assert [i.overall for i in overall_timeline(snapshots, [])] == ["No published rating", "Good"]
