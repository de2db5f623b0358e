"""Entering a rating by hand, and filtering the Rating changes page."""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import StopValidation, ValidationError

from provider_monitor.enums import ChangeDirection, KeyQuestion, ServiceType
from provider_monitor.forms.fields import ChoiceField, GovDateField
from provider_monitor.jinja import format_date
from provider_monitor.services.rating_changes import ChangeFilters

RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
NON_RATINGS = ("Inspected but not rated", "No published rating")
RATING_CHOICES = [(v, v) for v in (*RATINGS, *NON_RATINGS)]
KEEP = "Keep what is held"
HIGH = "high"


def date_required(message: str):
    """A required date whose own problem ('must include a month', 'must be a real date') is kept.

    DataRequired would clear that message and say the date is missing.
    """

    def check(form, field):
        if field.data is None and not field.errors:
            raise StopValidation(message)

    return check


class ManualRatingForm(FlaskForm):
    published_on = GovDateField(
        "Date the rating was published", description="For example, 1 5 2026",
        validators=[date_required("Enter the date the rating was published")],
    )  # fmt: skip
    overall = ChoiceField("Overall", blank=KEEP, choices=RATING_CHOICES)
    safe = ChoiceField("Safe", blank=KEEP, choices=RATING_CHOICES)
    effective = ChoiceField("Effective", blank=KEEP, choices=RATING_CHOICES)
    caring = ChoiceField("Caring", blank=KEEP, choices=RATING_CHOICES)
    responsive = ChoiceField("Responsive", blank=KEEP, choices=RATING_CHOICES)
    well_led = ChoiceField("Well-led", blank=KEEP, choices=RATING_CHOICES)
    submit = SubmitField("Save rating", widget=GovSubmitInput())

    # The publication date of the ratings held now: a hand entry adds newer ratings, never older ones.
    held_on: date | None = None

    def validate_published_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("Date the rating was published must be today or in the past")
        if field.data and self.held_on and field.data < self.held_on:
            raise ValidationError(
                "Date the rating was published must be the same as or after "
                f"{format_date(self.held_on)}, when the ratings held now were published"
            )

    def validate_overall(self, field):
        if not any(getattr(self, q.value).data for q in KeyQuestion):
            raise ValidationError("Select at least one rating")

    def ratings(self) -> dict[KeyQuestion, str]:
        return {q: getattr(self, q.value).data for q in KeyQuestion if getattr(self, q.value).data}


class ChangeFilterForm(FlaskForm):
    """The Rating changes page's filters (a GET form: bookmarkable, no CSRF)."""

    class Meta:
        csrf = False

    direction = ChoiceField(
        "Direction", blank="Any direction", choices=[(d.value, d.label + "s") for d in ChangeDirection]
    )
    key_question = ChoiceField("Key question", blank="Any key question", choices=KeyQuestion.choices())
    severity = ChoiceField("Severity", blank="Any severity", choices=[(HIGH, "High severity only")])
    # In the order the page shows them, so the error summary follows the page.
    district = ChoiceField("District", blank="All districts")
    service_type = ChoiceField("Service type", blank="All service types", choices=ServiceType.choices())
    since = GovDateField("Published from", description="For example, 1 4 2026")
    until = GovDateField("Published to", description="For example, 31 3 2027")
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("Published to must be the same as or after published from")

    def filters(self, page: int = 1) -> ChangeFilters:
        return ChangeFilters(
            direction=self.direction.data, key_question=self.key_question.data, since=self.since.data,
            until=self.until.data, district_code=self.district.data, service_type=self.service_type.data,
            high_severity_only=self.severity.data == HIGH, page=page,
        )  # fmt: skip
