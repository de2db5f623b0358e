"""Logging and editing a concern, closing it, linking visits, and filtering the Concerns page."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea
from wtforms import BooleanField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError
from wtforms.widgets import HiddenInput

from provider_monitor.enums import ConcernCategory, ConcernSeverity, ConcernSource, ConcernStatus
from provider_monitor.forms.actions import ActionForm
from provider_monitor.forms.fields import ChoiceField, GovDateField, OptionalIntegerField, RadioChoiceField, TextField
from provider_monitor.forms.ratings import date_required
from provider_monitor.services.concern_rules import (
    CONFIDENTIAL_FIELDS,
    DETAIL_FIELDS,
    SAFEGUARDING_REFERENCE_LENGTH,
    needs_safeguarding_reference,
)
from provider_monitor.services.concerns import ConcernFilters

REFERENCE_TOO_LONG = f"Safeguarding reference must be {SAFEGUARDING_REFERENCE_LENGTH} characters or fewer"
CONFIDENTIAL_HINT = "Kept confidential: only QMM officers, managers, heads of service and directors can read it"


class PeopleAffectedField(OptionalIntegerField):
    """How many people the concern touches, with the messages the concern rules use."""

    def pre_validate(self, form):
        if getattr(self, "_problem", None):
            raise ValidationError("Number of people affected must be a whole number, like 3")
        if self.data is not None and self.data < 0:
            raise ValidationError("Number of people affected must be 0 or more")
        if self.data is not None and self.data > self.maximum:
            raise ValidationError(f"Number of people affected must be {self.maximum:,} or fewer")


class ConcernForm(FlaskForm):
    received_on = GovDateField(
        "Date the concern was received", description="For example, 27 3 2026",
        validators=[date_required("Enter the date the concern was received")],
    )  # fmt: skip
    source = RadioChoiceField(
        "Where the concern came from", ConcernSource.choices(), "Select where the concern came from"
    )
    category = RadioChoiceField("Type of concern", ConcernCategory.choices(), "Select the type of concern")
    severity = RadioChoiceField("How serious it is", ConcernSeverity.choices(), "Select how serious the concern is")
    description = TextAreaField(
        "Describe the concern", widget=GovTextArea(),
        description="What was reported, when it happened and who it affects",
        validators=[DataRequired("Enter a description of the concern"),
                    Length(max=10000, message="Description must be 10,000 characters or fewer")],
    )  # fmt: skip
    people_affected = PeopleAffectedField("Number of people affected (optional)", minimum=0, maximum=10000)
    source_identity = TextAreaField(
        "Who raised it (optional)", widget=GovTextArea(), description=CONFIDENTIAL_HINT,
        validators=[Length(max=2000, message="Who raised it must be 2,000 characters or fewer")],
    )  # fmt: skip
    safeguarding_reference = TextField(
        "Safeguarding reference", description="Needed when the concern is about safeguarding or came from a referral",
        validators=[Length(max=SAFEGUARDING_REFERENCE_LENGTH, message=REFERENCE_TOO_LONG)],
    )  # fmt: skip
    safeguarding_detail = TextAreaField(
        "Safeguarding detail (optional)", widget=GovTextArea(), description=CONFIDENTIAL_HINT,
        validators=[Length(max=10000, message="Safeguarding detail must be 10,000 characters or fewer")],
    )  # fmt: skip
    confidential = BooleanField("The person who raised it asked not to be identified", widget=GovCheckboxInput())
    version_id = HiddenField()
    submit = SubmitField("Save concern", widget=GovSubmitInput())

    # Set by the view.
    today: date = date.max

    def validate_received_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError("Date the concern was received must be today or in the past")

    def validate_safeguarding_reference(self, field):
        # Checked here too so every problem shows at once; the concern rules are the final word.
        sources, categories = {s.value for s in ConcernSource}, {c.value for c in ConcernCategory}
        if field.data or self.source.data not in sources or self.category.data not in categories:
            return
        if needs_safeguarding_reference(ConcernSource(self.source.data), ConcernCategory(self.category.data)):
            raise ValidationError("Enter the safeguarding reference")

    def withhold_confidential(self) -> None:
        """Take away the fields this editor may not read: they are neither shown nor changed."""
        for name in CONFIDENTIAL_FIELDS:
            delattr(self, name)

    def fill_from(self, concern) -> None:
        """The saved values, for the edit page's first view."""
        self.source.data, self.category.data = concern.source.value, concern.category.value
        self.severity.data = concern.severity.value
        self.version_id.data = concern.version_id

    def concern_data(self) -> dict:
        """Only the concern's own details that are on this form: nothing else in the POST reaches the model."""
        return {name: self[name].data for name in DETAIL_FIELDS if name in self}


class CloseForm(FlaskForm):
    reason = TextAreaField(
        "Why the concern is being closed", widget=GovTextArea(),
        description="What was found and done, for example ‘Visit found staffing now safe; action plan agreed’",
        validators=[DataRequired("Enter the reason for closing the concern"),
                    Length(max=4000, message="Reason must be 4,000 characters or fewer")],
    )  # fmt: skip
    closed_on = GovDateField(
        "Date the concern was closed", description="For example, 27 3 2026",
        validators=[date_required("Enter the date the concern was closed")],
    )  # fmt: skip
    version_id = HiddenField()
    submit = SubmitField("Close the concern", widget=GovSubmitInput())


class OpenChoiceField(ChoiceField):
    """A required select whose posted value need not be one of the choices shown: the service judges it."""

    def __init__(self, label, message: str, **kwargs):
        super().__init__(label, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if getattr(self, "_problem", None) or self.data is None:
            raise StopValidation(self.message)


class LinkVisitForm(FlaskForm):
    visit_id = OpenChoiceField("Visit", "Select a visit", blank="Choose a visit", coerce=int)
    link = SubmitField("Link the visit", widget=GovSubmitInput())


class ConcernActionForm(ActionForm):
    """An action raised from a concern; a provider-wide concern's action also names one of its services."""

    service_id = OpenChoiceField(
        "Service the action is for", "Select the service the action is for", blank="Choose a service", coerce=int
    )

    def __init__(self, *args, provider_wide: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if provider_wide:
            # First on the page, so first in the error summary too.
            self._fields.move_to_end("service_id", last=False)
        else:
            del self.service_id


class ConcernFilterForm(FlaskForm):
    """The Concerns page's filters (a GET form: bookmarkable, no CSRF)."""

    class Meta:
        csrf = False

    # In the order the page shows them, so the error summary follows the page.
    status = ChoiceField("Status", blank="Any status", choices=ConcernStatus.choices())
    category = ChoiceField("Type of concern", blank="Any type", choices=ConcernCategory.choices())
    severity = ChoiceField("Severity", blank="Any severity", choices=ConcernSeverity.choices())
    source = ChoiceField("Where it came from", blank="Any source", choices=ConcernSource.choices())
    received_from = GovDateField("Received from", description="For example, 1 4 2026")
    received_to = GovDateField("Received to", description="For example, 31 3 2027")
    # One service's or provider's concerns, when reached from its page (kept as hidden fields).
    service_id = OptionalIntegerField("Service", widget=HiddenInput(), minimum=1, maximum=2**31 - 1)
    provider_id = OptionalIntegerField("Provider", widget=HiddenInput(), minimum=1, maximum=2**31 - 1)
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def filters(self, page: int = 1, per_page: int = 50) -> ConcernFilters:
        return ConcernFilters(
            status=self.status.data, category=self.category.data, severity=self.severity.data,
            source=self.source.data, service_id=self.service_id.data, provider_id=self.provider_id.data,
            received_from=self.received_from.data, received_to=self.received_to.data, page=page, per_page=per_page,
        )  # fmt: skip
