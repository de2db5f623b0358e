"""Validating the steps of a visit record: what a draft may leave out, and what continuing needs."""

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from provider_monitor.enums import ComplianceArea, ComplianceResult, KeyQuestion, LocalRating
from provider_monitor.forms import visits as forms

TODAY = date(2026, 11, 23)
DRAFT = {"save_draft": "Save as draft and come back later"}
CONTINUE = {"save": "Save and continue"}


@pytest.fixture
def submit(app):
    """Build a step form from a POST of these values, validate it, and return it."""
    contexts = []

    def _submit(form_class, data: dict, officers=((1, "Olive Officer"),)):
        context = app.test_request_context(method="POST", data=MultiDict(data))
        context.push()
        contexts.append(context)
        form = form_class()
        form.today = TODAY
        if hasattr(form, "officers"):
            form.officers.choices = list(officers)
        form.validate()
        return form

    yield _submit
    for context in reversed(contexts):
        context.pop()


def _all_judged(value="Good") -> dict:
    return {f"{q.value}_judgement": value for q in forms.FINDING_QUESTIONS}


def test_continuing_needs_every_key_question_judged(submit):
    form = submit(forms.FindingsForm, {**CONTINUE, "safe_judgement": "Good", "caring_judgement": "not_judged"})
    assert form.errors == {
        "effective_judgement": ["Choose a judgement for Effective, or ‘Not judged’"],
        "responsive_judgement": ["Choose a judgement for Responsive, or ‘Not judged’"],
        "well_led_judgement": ["Choose a judgement for Well-led, or ‘Not judged’"],
    }


def test_a_draft_may_leave_questions_unanswered(submit):
    form = submit(forms.FindingsForm, {**DRAFT, "safe_judgement": "Inadequate", "safe_evidence": " MAR gaps "})
    assert form.errors == {}
    assert form.step_data() == {KeyQuestion.SAFE: (LocalRating.INADEQUATE, "MAR gaps")}


def test_evidence_without_a_judgement_is_not_silently_read_as_not_judged(submit):
    form = submit(forms.FindingsForm, {**DRAFT, "caring_evidence": "Kind staff"})
    assert form.errors == {"caring_judgement": ["Choose a judgement for Caring, or ‘Not judged’"]}


def test_not_judged_is_saved_as_no_judgement(submit):
    form = submit(forms.FindingsForm, {**CONTINUE, **_all_judged("not_judged")})
    assert form.errors == {}
    assert form.step_data()[KeyQuestion.WELL_LED] == (None, None)


def test_a_judgement_not_offered_is_refused(submit):
    form = submit(forms.FindingsForm, {**CONTINUE, **_all_judged(), "safe_judgement": "Brilliant"})
    assert form.errors == {"safe_judgement": ["Choose a judgement for Safe from the list"]}


def test_compliance_results_and_notes(submit):
    data = {**CONTINUE, **{f"{a.value}_result": "met" for a in ComplianceArea}, "terms_result": "partly_met"}
    form = submit(forms.ComplianceForm, {**data, "terms_notes": "Rota short by one"})
    assert form.errors == {}
    assert form.step_data()[ComplianceArea.TERMS] == (ComplianceResult.PARTLY_MET, "Rota short by one")
    incomplete = submit(forms.ComplianceForm, {**CONTINUE, "terms_result": "met"})
    assert incomplete.errors["legal_duties_result"] == ["Choose a result for legal duties"]


def _details(**changes) -> dict:
    return {
        **CONTINUE, "visited_on": ["20", "11", "2026"],
        "kind": "planned", "purpose": "quality_audit", "officers": "1",
    } | changes  # fmt: skip


def test_details_of_a_planned_visit(submit):
    form = submit(forms.DetailsForm, _details())
    assert form.errors == {}
    assert form.step_data() == {
        "visited_on": date(2026, 11, 20), "kind": "planned", "purpose": "quality_audit", "officers": [1],
        "full_quality_visit": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"visited_on": ["24", "11", "2026"]}, "visited_on", "Date of the visit must be today or in the past"),
        ({"visited_on": ["", "11", "2026"]}, "visited_on", "Date of the visit must include a day"),
        ({"visited_on": ["31", "2", "2026"]}, "visited_on", "Date of the visit must be a real date"),
        ({"kind": "unplanned"}, "full_quality_visit", "Select yes if the unplanned visit was a full quality visit"),
        ({"officers": "99"}, "officers", "Select officers from the list"),
        ({"officers": "Olive"}, "officers", "Select officers from the list"),
        ({"purpose": ""}, "purpose", "Select the purpose of the visit"),
    ],
)
def test_details_problems_are_named_by_their_field(submit, changes, field, message):
    form = submit(forms.DetailsForm, _details(**changes))
    assert form.errors[field][0] == message


def test_details_are_needed_even_for_a_draft(submit):
    data = _details(**DRAFT)
    del data["officers"]
    form = submit(forms.DetailsForm, data)
    assert form.errors == {"officers": ["Select at least one officer"]}


def test_an_unplanned_full_quality_visit(submit):
    form = submit(forms.DetailsForm, _details(kind="unplanned", full_quality_visit="yes"))
    assert form.errors == {} and form.step_data()["full_quality_visit"] is True


def test_who_was_spoken_to(submit):
    form = submit(
        forms.PeopleForm,
        MultiDict([*CONTINUE.items(), ("spoke_to", "spoke_to_staff"), ("spoke_to", "spoke_to_manager")]),
    )
    assert form.errors == {}
    assert form.step_data() == {
        "spoke_to_people": False, "spoke_to_carers": False, "spoke_to_staff": True, "spoke_to_manager": True,
        "people_spoken_to_notes": None,
    }  # fmt: skip
    assert submit(forms.PeopleForm, CONTINUE).errors == {
        "spoke_to": ["Select who you spoke to, or say in the notes why you spoke to nobody"]
    }
    assert submit(forms.PeopleForm, {**CONTINUE, "people_spoken_to_notes": "Everyone was out"}).errors == {}
    assert submit(forms.PeopleForm, DRAFT).errors == {}


def test_the_outcome_needs_a_rating_to_continue_but_not_for_a_draft(submit):
    assert submit(forms.OutcomeForm, CONTINUE).errors == {"local_rating": ["Choose the overall local quality rating"]}
    draft = submit(forms.OutcomeForm, {**DRAFT, "summary": "Improving"})
    assert draft.errors == {} and draft.step_data() == {"local_rating": None, "summary": "Improving"}


def test_very_long_notes_are_refused_with_their_label(submit):
    form = submit(forms.OutcomeForm, {**CONTINUE, "local_rating": "Good", "summary": "x" * 20001})
    assert form.errors == {"summary": ["Summary of the visit must be 20,000 characters or fewer"]}


def test_differences_list_what_the_editor_typed_against_what_is_saved(submit):
    saved = submit(forms.OutcomeForm, {"local_rating": "Good", "summary": "Saved text"})
    typed = submit(forms.OutcomeForm, {**CONTINUE, "local_rating": "Inadequate", "summary": "Saved text"})
    assert forms.differences(typed, saved) == [("Overall local quality rating", "Good", "Inadequate")]


def test_expected_version_ignores_mangled_values(submit):
    assert forms.expected_version(submit(forms.ShareForm, {"version_id": "4"})) == 4
    assert forms.expected_version(submit(forms.ShareForm, {"version_id": "²"})) is None
