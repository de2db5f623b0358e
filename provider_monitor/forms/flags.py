"""The Flags page's filters, and acknowledging, assigning and commenting on a flag."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from provider_monitor.enums import FlagKind, FlagSeverity
from provider_monitor.forms.fields import ChoiceField, TextField
from provider_monitor.services.flag_queries import COMMENT_MAX, STATUSES, FlagFilters

ASSIGN_MESSAGE = "Select who to assign the flag to"


def _comment(label: str, description: str | None = None) -> TextAreaField:
    return TextAreaField(
        label, widget=GovTextArea(), description=description,
        validators=[Length(max=COMMENT_MAX, message=f"Comment must be {COMMENT_MAX:,} characters or fewer")],
    )  # fmt: skip


class FlagFilterForm(FlaskForm):
    """The Flags page's filters (a GET form: bookmarkable, no CSRF)."""

    class Meta:
        csrf = False

    whose = ChoiceField("Whose flags")
    kind = ChoiceField("Kind of flag", blank="Any kind", choices=FlagKind.choices())
    severity = ChoiceField("Severity", blank="Any severity", choices=FlagSeverity.choices())
    status = ChoiceField("Status", choices=list(STATUSES.items()))
    service = TextField(
        "Service", description="Part of the service name (or the provider's, for a flag on a whole provider)",
        validators=[Length(max=100, message="Service must be 100 characters or fewer")],
    )  # fmt: skip
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def filters(self, page: int = 1, per_page: int = 50) -> FlagFilters:
        return FlagFilters(
            kind=self.kind.data, severity=self.severity.data, status=self.status.data, whose=self.whose.data,
            service_text=self.service.data, page=page, per_page=per_page,
        )  # fmt: skip


class AssigneeField(ChoiceField):
    """Active staff; blank or anyone else is one message."""

    def pre_validate(self, form):
        known = {str(choice.value) for choice in self.choices or []}
        if not self.data or str(self.data) not in known:
            raise ValidationError(ASSIGN_MESSAGE)


class AcknowledgeForm(FlaskForm):
    """Say the flag has been seen and is being dealt with."""

    # Distinct field names: three forms share the flag page, and ids must be unique on it.
    FIELDS = {"comment": "acknowledge_comment"}
    acknowledge_comment = _comment("Comment (optional)", "What you are doing about it")
    version_id = HiddenField()
    acknowledge = SubmitField("Acknowledge the flag", widget=GovSubmitInput())


class AssignForm(FlaskForm):
    FIELDS = {"comment": "assign_comment"}
    assigned_to = AssigneeField("Assign to", blank="Choose someone")
    assign_comment = _comment("Comment (optional)")
    version_id = HiddenField()
    assign = SubmitField("Assign the flag", widget=GovSubmitInput())


class CommentForm(FlaskForm):
    FIELDS = {"comment": "comment"}
    comment = _comment("Comment")
    add = SubmitField("Add the comment", widget=GovSubmitInput())

    def validate_comment(self, field):
        if not (field.data or "").strip():
            raise ValidationError("Enter a comment")
