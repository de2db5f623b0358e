"""Entering a rating by hand, and filtering the Rating changes page."""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import DataRequired, ValidationError

from provider_monitor.enums import ChangeDirection, KeyQuestion, ServiceType
from provider_monitor.forms.fields import ChoiceField, GovDateField

RATING_CHOICES = [
    (v, v)
    for v in (
        "Outstanding", "Good", "Requires improvement", "Inadequate", "Inspected but not rated", "No published rating",
    )
]  # fmt: skip


class ManualRatingForm(FlaskForm):
    published_on = GovDateField(
        "Date the rating was published", description="For example, 1 5 2026",
        validators=[DataRequired("Enter the date the rating was published")],
    )  # fmt: skip
    overall = ChoiceField("Overall", blank="Keep what is held", choices=RATING_CHOICES)
    safe = ChoiceField("Safe", blank="Keep what is held", choices=RATING_CHOICES)
    effective = ChoiceField("Effective", blank="Keep what is held", choices=RATING_CHOICES)
    caring = ChoiceField("Caring", blank="Keep what is held", choices=RATING_CHOICES)
    responsive = ChoiceField("Responsive", blank="Keep what is held", choices=RATING_CHOICES)
    well_led = ChoiceField("Well-led", blank="Keep what is held", choices=RATING_CHOICES)
    submit = SubmitField("Save rating", widget=GovSubmitInput())

    def validate_published_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("Date the rating was published must be today or in the past")

    def validate_overall(self, field):
        if not any(getattr(self, q.value).data for q in KeyQuestion):
            raise ValidationError("Select at least one rating")

    def ratings(self) -> dict[KeyQuestion, str]:
        return {q: getattr(self, q.value).data for q in KeyQuestion if getattr(self, q.value).data}


class ChangeFilterForm(FlaskForm):
    class Meta:
        csrf = False

    direction = ChoiceField(
        "Direction", blank="Declines and improvements", choices=[(d.value, d.label + "s") for d in ChangeDirection]
    )
    key_question = ChoiceField("Key question", blank="Overall and every key question", choices=KeyQuestion.choices())
    since = GovDateField("Published from")
    until = GovDateField("Published to")
    district = ChoiceField("District", blank="All districts")
    service_type = ChoiceField("Service type", blank="All service types", choices=ServiceType.choices())
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("Published to must be the same as or after published from")
