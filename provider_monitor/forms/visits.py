"""Planning a visit, the steps of logging it, and the report workflow's buttons."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from provider_monitor.enums import ComplianceArea, ComplianceResult, LocalRating, VisitKind, VisitPurpose
from provider_monitor.forms.fields import ChoiceField, GovDateField, RadioChoiceField, options, strip_or_none
from provider_monitor.forms.ratings import date_required
from provider_monitor.jinja import format_date
from provider_monitor.services.visits import FINDING_QUESTIONS

NOT_JUDGED = "not_judged"
YES_NO = [("yes", "Yes"), ("no", "No")]
SPOKE_TO = [
    ("spoke_to_people", "People who use the service"),
    ("spoke_to_carers", "Carers or family"),
    ("spoke_to_staff", "Staff"),
    ("spoke_to_manager", "The manager"),
]
NOTES_LIMIT = 20000
FULL_QUALITY_HINT = (
    "Only for an unplanned visit. Answer yes if it covered all five key questions, as a routine quality visit "
    "would: only then does it reset the clock for the next routine visit. A planned visit always does."
)


class NotesField(TextAreaField):
    """A GOV.UK textarea whose blank value is None and whose text is trimmed."""

    widget = GovTextArea()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("filters", []).append(strip_or_none)
        limit = Length(max=NOTES_LIMIT, message=f"{label} must be {NOTES_LIMIT:,} characters or fewer")
        super().__init__(label, [*(validators or []), limit], **kwargs)


class OptionalRadioField(RadioField):
    """GOV.UK radios that may be left unanswered; a value not offered gets a clear message."""

    widget = GovRadioInput()

    def __init__(self, label, choices, message: str | None = None, **kwargs):
        super().__init__(label, choices=options(choices), validate_choice=False, **kwargs)
        self.message = message or f"Select {label.lower()} from the list"

    def pre_validate(self, form):
        if self.data is not None and str(self.data) not in {str(c.value) for c in self.choices}:
            raise ValidationError(self.message)


class OfficersField(SelectMultipleField):
    """Checkboxes of the officers going on (or who went on) the visit; the view fills the choices."""

    widget = GovCheckboxesInput()

    # The view sets (id, name) pairs at request time.
    @property
    def choices(self):
        return SelectMultipleField.choices.fget(self)

    @choices.setter
    def choices(self, value):
        SelectMultipleField.choices.fset(self, options(value))

    def __init__(self, label="Officers", **kwargs):
        super().__init__(
            label, coerce=int, invalid_value_message="Select officers from the list",
            invalid_choice_message="Select officers from the list", **kwargs,
        )  # fmt: skip

    def pre_validate(self, form):
        super().pre_validate(form)
        if not self.data:
            raise ValidationError("Select at least one officer")


# Kind, purpose and officers: asked when planning and again when logging.
def _kind() -> RadioChoiceField:
    return RadioChoiceField("Type of visit", VisitKind.choices(), "Select whether the visit is planned or unplanned")


def _purpose() -> RadioChoiceField:
    return RadioChoiceField("Purpose of the visit", VisitPurpose.choices(), "Select the purpose of the visit")


def _officers() -> OfficersField:
    return OfficersField(description="Select everyone who went, or is going, on the visit")


class PlanForm(FlaskForm):
    planned_on = GovDateField(
        "Date of the visit", description="For example, 14 1 2027",
        validators=[date_required("Enter the date of the visit")],
    )  # fmt: skip
    kind = _kind()
    purpose = _purpose()
    officers = _officers()
    submit = SubmitField("Plan visit", widget=GovSubmitInput())

    today: date = date.min

    def validate_planned_on(self, field):
        if field.data and field.data < self.today:
            raise ValidationError("Date of the visit must be today or in the future")

    def plan_data(self) -> dict:
        return {name: getattr(self, name).data for name in ("planned_on", "kind", "purpose", "officers")}


class StepForm(FlaskForm):
    """One step of the visit record: saved and continued, or saved as a draft to come back to."""

    version_id = HiddenField()
    save = SubmitField("Save and continue", widget=GovSubmitInput())
    save_draft = SubmitField("Save as draft and come back later", widget=GovSubmitInput())

    @property
    def drafting(self) -> bool:
        return bool(self.save_draft.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field_name, message in self.incomplete():
            field = self[field_name]
            if not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def incomplete(self) -> list[tuple[str, str]]:
        """(field, message) for what this step still needs; a draft may leave answers out."""
        return []


class DetailsForm(StepForm):
    visited_on = GovDateField(
        "Date of the visit", description="For example, 3 11 2026",
        validators=[date_required("Enter the date of the visit")],
    )  # fmt: skip
    kind = _kind()
    purpose = _purpose()
    officers = _officers()
    full_quality_visit = OptionalRadioField("Was this a full quality visit?", YES_NO, description=FULL_QUALITY_HINT)

    today: date = date.max

    def validate_visited_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError("Date of the visit must be today or in the past")

    def validate_full_quality_visit(self, field):
        if self.kind.data == VisitKind.UNPLANNED and not field.data:
            raise ValidationError("Select yes if the unplanned visit was a full quality visit")

    def fill(self, visit) -> None:
        planned = visit.planned_on if visit.planned_on and visit.planned_on <= self.today else None
        self.visited_on.data = visit.visited_on or planned
        self.kind.data, self.purpose.data = visit.kind.value, visit.purpose.value
        self.officers.data = [officer.id for officer in visit.officers]
        if visit.status != "planned" and visit.kind == VisitKind.UNPLANNED:
            self.full_quality_visit.data = "yes" if visit.full_quality_visit else "no"

    def step_data(self) -> dict:
        data = {name: getattr(self, name).data for name in ("visited_on", "kind", "purpose", "officers")}
        data["full_quality_visit"] = self.full_quality_visit.data == "yes"
        return data


class PeopleForm(StepForm):
    spoke_to = SelectMultipleField(
        "Who did you speak to?", choices=options(SPOKE_TO), widget=GovCheckboxesInput(),
        description="Select all that apply", invalid_choice_message="Select who you spoke to from the list",
    )  # fmt: skip
    people_spoken_to_notes = NotesField(
        "Notes on who you spoke to", description="For example, how many people, and anything that limited it"
    )

    def incomplete(self):
        if self.drafting or self.spoke_to.data or self.people_spoken_to_notes.data:
            return []
        return [("spoke_to", "Select who you spoke to, or say in the notes why you spoke to nobody")]

    def fill(self, visit) -> None:
        self.spoke_to.data = [name for name, _ in SPOKE_TO if getattr(visit, name)]
        self.people_spoken_to_notes.data = visit.people_spoken_to_notes

    def step_data(self) -> dict:
        chosen = set(self.spoke_to.data or [])
        return {name: name in chosen for name, _ in SPOKE_TO} | {
            "people_spoken_to_notes": self.people_spoken_to_notes.data
        }


class FindingsForm(StepForm):
    """A judgement and evidence notes for each of the five key questions (fields added below)."""

    def incomplete(self):
        missing = []
        for question in FINDING_QUESTIONS:
            answered = self[f"{question.value}_judgement"].data
            if not answered and (not self.drafting or self[f"{question.value}_evidence"].data):
                missing.append(
                    (f"{question.value}_judgement", f"Choose a judgement for {question.label}, or ‘Not judged’")
                )
        return missing

    def fill(self, visit) -> None:
        for finding in visit.findings:
            judgement = finding.judgement.value if finding.judgement else NOT_JUDGED
            self[f"{finding.key_question.value}_judgement"].data = judgement
            self[f"{finding.key_question.value}_evidence"].data = finding.evidence

    def step_data(self) -> dict:
        data = {}
        for question in FINDING_QUESTIONS:
            judgement = self[f"{question.value}_judgement"].data
            if judgement:
                evidence = self[f"{question.value}_evidence"].data
                data[question] = (None if judgement == NOT_JUDGED else LocalRating(judgement), evidence)
        return data


for _question in FINDING_QUESTIONS:
    setattr(
        FindingsForm, f"{_question.value}_judgement",
        OptionalRadioField(
            f"Local judgement for {_question.label}", [*LocalRating.choices(), (NOT_JUDGED, "Not judged")],
            message=f"Choose a judgement for {_question.label} from the list",
        ),
    )  # fmt: skip
    setattr(FindingsForm, f"{_question.value}_evidence", NotesField(f"Evidence for {_question.label}"))


class ComplianceForm(StepForm):
    """A result and notes for each line of the compliance checklist (fields added below)."""

    def incomplete(self):
        missing = []
        for area in ComplianceArea:
            if not self[f"{area.value}_result"].data and (not self.drafting or self[f"{area.value}_notes"].data):
                missing.append((f"{area.value}_result", f"Choose a result for {area.label.lower()}"))
        return missing

    def fill(self, visit) -> None:
        for line in visit.compliance:
            self[f"{line.area.value}_result"].data = line.result.value if line.result else None
            self[f"{line.area.value}_notes"].data = line.notes

    def step_data(self) -> dict:
        return {
            area: (ComplianceResult(self[f"{area.value}_result"].data), self[f"{area.value}_notes"].data)
            for area in ComplianceArea
            if self[f"{area.value}_result"].data
        }


for _area in ComplianceArea:
    _name = _area.label.lower()
    setattr(
        ComplianceForm, f"{_area.value}_result",
        OptionalRadioField(
            f"Result for {_name}", ComplianceResult.choices(), message=f"Choose a result for {_name} from the list"
        ),
    )  # fmt: skip
    setattr(ComplianceForm, f"{_area.value}_notes", NotesField(f"Notes on {_name}"))


class OutcomeForm(StepForm):
    local_rating = OptionalRadioField(
        "Overall local quality rating", LocalRating.choices(),
        description="The council’s own judgement of the service, on CQC’s four-point scale",
    )  # fmt: skip
    summary = NotesField("Summary of the visit", description="What the provider will read first in the report")

    def incomplete(self):
        if self.drafting or self.local_rating.data:
            return []
        return [("local_rating", "Choose the overall local quality rating")]

    def fill(self, visit) -> None:
        self.local_rating.data = visit.local_rating.value if visit.local_rating else None
        self.summary.data = visit.summary

    def step_data(self) -> dict:
        rating = self.local_rating.data
        return {"local_rating": LocalRating(rating) if rating else None, "summary": self.summary.data}


STEP_FORMS = {
    "details": DetailsForm,
    "people": PeopleForm,
    "findings": FindingsForm,
    "compliance": ComplianceForm,
    "outcome": OutcomeForm,
}


class ShareForm(FlaskForm):
    version_id = HiddenField()
    submit = SubmitField("Share the report with the provider", widget=GovSubmitInput())


class FinaliseForm(FlaskForm):
    version_id = HiddenField()
    confirm_early = BooleanField("Finalise before the comment window closes", widget=GovCheckboxInput())
    submit = SubmitField("Finalise the report", widget=GovSubmitInput())


class CancelForm(FlaskForm):
    version_id = HiddenField()
    reason = NotesField("Why is the visit cancelled?")
    submit = SubmitField("Cancel the visit", widget=GovSubmitInput())

    def validate_reason(self, field):
        if not field.data:
            raise ValidationError("Enter why the visit is cancelled")


COMMENT_LIMIT = 4000
WHOLE_REPORT = "The report as a whole"


class AboutField(ChoiceField):
    """The key question a comment is about; blank is the report as a whole."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("Select what your comment is about from the list") from None


class CommentForm(FlaskForm):
    """A provider's factual-accuracy comment on a shared report, about the whole of it or one key question."""

    about = AboutField(
        "What is your comment about?", blank=WHOLE_REPORT, choices=[(q.value, q.label) for q in FINDING_QUESTIONS]
    )
    body = TextAreaField(
        "Your comment", widget=GovCharacterCount(), filters=[strip_or_none],
        description="Say what is factually inaccurate and what is correct. You cannot change a comment once sent.",
        validators=[
            DataRequired("Enter your comment"),
            Length(max=COMMENT_LIMIT, message=f"Comment must be {COMMENT_LIMIT:,} characters or fewer"),
        ],
    )  # fmt: skip
    submit = SubmitField("Send comment", widget=GovSubmitInput())


def expected_version(form) -> int | None:
    """The version the editor saw, from the hidden field; None when it is missing or mangled."""
    raw = form.version_id.data or ""
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _shown(field) -> str:
    """A field's value as a person reads it: the chosen labels, a formatted date, or the text."""
    if isinstance(field, RadioField | SelectMultipleField):
        text = ", ".join(str(choice[1]) for choice in field.iter_choices() if choice[2])
    elif isinstance(field, GovDateField):
        text = format_date(field.data) if field.data else ""
    else:
        text = "" if field.data is None else str(field.data)
    return text or "(blank)"


def differences(typed, saved) -> list[tuple[str, str, str]]:
    """(label, saved value, typed value) for each answer of a step that differs from what is saved now."""
    rows = []
    for field in typed:
        if field.type in ("HiddenField", "SubmitField", "CSRFTokenField"):
            continue
        now, yours = _shown(saved[field.name]), _shown(field)
        if now != yours:
            rows.append((field.label.text, now, yours))
    return rows
