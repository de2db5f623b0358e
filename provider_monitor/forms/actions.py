"""Raising and editing actions, moving them along, adding evidence, and filtering the Action plans page."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovSubmitInput, GovTextArea
from wtforms import BooleanField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from provider_monitor.enums import RAG, ActionKind, ActionPriority, ActionStatus, KeyQuestion
from provider_monitor.forms.fields import (
    ChoiceField,
    GovDateField,
    OptionalIntegerField,
    RadioChoiceField,
    TextField,
    options,
)
from provider_monitor.forms.ratings import date_required
from provider_monitor.jinja import format_date
from provider_monitor.services.action_plans import NO_KEY_QUESTION, PlanFilters

ACTION_KEY_QUESTIONS = [(q.value, q.label) for q in KeyQuestion if q != KeyQuestion.OVERALL]
NOT_LINKED = "Not linked to a key question"
# What each move is called on the action page's radios.
MOVE_LABELS = {
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.EVIDENCE_SUBMITTED: "Evidence submitted",
    ActionStatus.VERIFIED: "Verified complete",
    ActionStatus.RETURNED: "Returned to the provider (give the reason below)",
    ActionStatus.OPEN: "Open",
}


class ActionForm(FlaskForm):
    description = TextAreaField(
        "What must or should be done", widget=GovTextArea(),
        validators=[DataRequired("Enter what must or should be done"),
                    Length(max=4000, message="Description must be 4,000 characters or fewer")],
    )  # fmt: skip
    key_question = RadioChoiceField(
        "Key question", [*ACTION_KEY_QUESTIONS, (NO_KEY_QUESTION, NOT_LINKED)],
        "Select a key question, or select ‘not linked to a key question’",
    )  # fmt: skip
    kind = RadioChoiceField(
        "Corrective or developmental", ActionKind.choices(),
        "Select corrective if the provider must do this, or developmental if they should",
    )  # fmt: skip
    priority = RadioChoiceField("Priority", ActionPriority.choices(), "Select the priority")
    due_on = GovDateField("Due date", description="For example, 27 3 2027",
                          validators=[date_required("Enter the due date")])  # fmt: skip
    owner = TextField(
        "Owner at the provider", description="The person responsible, by name or job title, like Registered manager",
        validators=[DataRequired("Enter who at the provider is responsible"),
                    Length(max=120, message="Owner must be 120 characters or fewer")],
    )  # fmt: skip
    version_id = HiddenField()
    submit = SubmitField("Save action", widget=GovSubmitInput())

    # Set by the view: today, and the due date held now (an edit may keep a date already past).
    today: date = date.min
    held_due_on: date | None = None

    def validate_due_on(self, field):
        if field.data and field.data < self.today and field.data != self.held_due_on:
            raise ValidationError(f"Due date must be today or in the future (today is {format_date(self.today)})")

    def action_data(self) -> dict:
        """Only the action's own fields: nothing else in the POST can reach the model."""
        question = self.key_question.data
        return {
            "description": self.description.data.strip(),
            "key_question": None if question == NO_KEY_QUESTION else KeyQuestion(question),
            "kind": ActionKind(self.kind.data),
            "priority": ActionPriority(self.priority.data),
            "due_on": self.due_on.data,
            "owner": self.owner.data,
        }

    def fill_from(self, action) -> None:
        """The saved values, for the edit page's first view."""
        self.key_question.data = action.key_question.value if action.key_question else NO_KEY_QUESTION
        self.kind.data, self.priority.data = action.kind.value, action.priority.value
        self.version_id.data = action.version_id


class MoveForm(FlaskForm):
    """Move an action to its next status; the choices are what this viewer may do now."""

    status = RadioChoiceField("What has happened?", [], "Select what has happened to the action")
    note = TextAreaField(
        "Note or reason", widget=GovTextArea(),
        description="Say what was done or seen. A reason is needed to return evidence.",
        validators=[Length(max=2000, message="Note must be 2,000 characters or fewer")],
    )  # fmt: skip
    version_id = HiddenField()
    submit = SubmitField("Update status", widget=GovSubmitInput())

    def offer(self, statuses: list[ActionStatus]) -> None:
        self.status.choices = options([(s.value, MOVE_LABELS[s]) for s in statuses])


class EvidenceForm(FlaskForm):
    """A file for an action; its type and size are checked by services.evidence."""

    file = FileField("Upload a file", widget=GovFileInput(),
                     description="PDF, Word, Excel, PNG, JPEG, CSV or text, smaller than 8MB")  # fmt: skip
    evidence_note = TextAreaField(
        "What the file shows (optional)", widget=GovTextArea(),
        validators=[Length(max=500, message="What the file shows must be 500 characters or fewer")],
    )  # fmt: skip
    upload = SubmitField("Upload file", widget=GovSubmitInput())


class PlanFilterForm(FlaskForm):
    """The Action plans page's filters (a GET form: bookmarkable, no CSRF)."""

    class Meta:
        csrf = False

    # In the order the page shows them, so the error summary follows the page.
    whose = ChoiceField("Whose services")
    service = TextField(
        "Service", description="Part of the service name",
        validators=[Length(max=100, message="Service must be 100 characters or fewer")],
    )  # fmt: skip
    # Typed, not a list: an England-scale market has 12,000 providers, too many for a select.
    provider = TextField(
        "Provider", description="Part of the provider name",
        validators=[Length(max=100, message="Provider must be 100 characters or fewer")],
    )  # fmt: skip
    key_question = ChoiceField(
        "Key question", blank="Any key question", choices=[*ACTION_KEY_QUESTIONS, (NO_KEY_QUESTION, NOT_LINKED)]
    )
    kind = ChoiceField("Corrective or developmental", blank="Both", choices=ActionKind.choices())
    priority = ChoiceField("Priority", blank="Any priority", choices=ActionPriority.choices())
    status = ChoiceField("Status", blank="Any status", choices=ActionStatus.choices())
    rag = ChoiceField("Red, amber or green", blank="Any", choices=RAG.choices())
    due_from = GovDateField("Due from", description="For example, 1 4 2026")
    due_to = GovDateField("Due to", description="For example, 31 3 2027")
    verified = BooleanField("Show verified actions too", widget=GovCheckboxInput())
    # One service's plan, when reached from its page (kept through the filters as a hidden field).
    service_id = OptionalIntegerField("Service", widget=HiddenInput(), minimum=1, maximum=2**31 - 1)
    # One provider's plans, when reached from a link (kept as a hidden field).
    provider_id = OptionalIntegerField("Provider", widget=HiddenInput(), minimum=1, maximum=2**31 - 1)
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate_due_to(self, field):
        if field.data and self.due_from.data and field.data < self.due_from.data:
            raise ValidationError("Due to must be the same as or after due from")

    def filters(self, page: int = 1, per_page: int = 50) -> PlanFilters:
        return PlanFilters(
            whose=self.whose.data, service_text=self.service.data, provider_text=self.provider.data,
            provider_id=self.provider_id.data,
            key_question=self.key_question.data, kind=self.kind.data, priority=self.priority.data,
            status=self.status.data, rag=self.rag.data, due_from=self.due_from.data, due_to=self.due_to.data,
            include_verified=bool(self.verified.data), service_id=self.service_id.data, page=page,
            per_page=per_page,
        )  # fmt: skip
