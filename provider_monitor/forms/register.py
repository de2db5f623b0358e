"""The register's search, filter and sort controls (a GET form: bookmarkable, no CSRF)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import Length

from provider_monitor.enums import KeyQuestion, RegistrationStatus, ServiceType
from provider_monitor.forms.fields import ChoiceField, TextField
from provider_monitor.services.escalation_rules import LEVELS, level_label
from provider_monitor.services.register import ABOVE_ROUTINE, NO_RATING, RANKED, SORTABLE_COLUMNS, RegisterFilters

ESCALATION_CHOICES = [
    ("0", "Routine monitoring (no open escalation)"),
    *((str(level), level_label(level)) for level in LEVELS if level > 0),
    (ABOVE_ROUTINE, "Any level above routine"),
]
SUSPENSION_CHOICES = [
    ("red", "Suspended – red (no new placements)"),
    ("amber", "Suspended – amber (place with caution)"),
]


class RegisterFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # In the order the page shows them, so the error summary follows the page.
    q = TextField(
        "Search",
        description="Name, CQC location or provider ID, postcode or town",
        validators=[Length(max=100, message="Search must be 100 characters or fewer")],
    )
    service_type = ChoiceField("Service type", blank="All service types", choices=ServiceType.choices())
    district = ChoiceField("District", blank="All districts")
    sort = ChoiceField(
        "Sort by", choices=[(key, label) for key, (label, _) in SORTABLE_COLUMNS.items()], default="name"
    )
    # Shown together as the "Current CQC rating" fieldset: which question, and which rating it has now.
    rating_question = ChoiceField("Key question", choices=KeyQuestion.choices(), default=KeyQuestion.OVERALL.value)
    rating = ChoiceField(
        "Rating",
        blank="Any rating",
        # 'No rating': nothing held, or a non-rating such as 'Inspected but not rated'.
        choices=[(r, r) for r in RANKED] + [(NO_RATING, "No rating")],
    )
    # Shown together as the "Escalation" fieldset.
    escalation_level = ChoiceField("Escalation level", blank="Any level", choices=ESCALATION_CHOICES)
    suspension = ChoiceField("Suspension", blank="Suspended or not", choices=SUSPENSION_CHOICES)
    sector = ChoiceField(
        "Internal or external",
        blank="All services",
        choices=[("external", "External providers"), ("internal", "Council-run")],
    )
    regulated = ChoiceField(
        "Regulated", blank="Regulated or not", choices=[("yes", "Regulated by CQC"), ("no", "Not regulated")]
    )
    registration_status = ChoiceField("Registration status", blank="Any status", choices=RegistrationStatus.choices())
    link_officer = ChoiceField("Link officer", blank="Any link officer", coerce=int)
    contract_manager = ChoiceField("Contract manager", blank="Any contract manager", coerce=int)
    direction = ChoiceField(
        "Order", choices=[("asc", "A to Z, lowest first"), ("desc", "Z to A, highest first")], default="asc"
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def filters(self, page: int) -> RegisterFilters:
        return RegisterFilters(
            text=self.q.data,
            service_type=self.service_type.data,
            district_code=self.district.data,
            sector=self.sector.data,
            regulated=None if self.regulated.data is None else self.regulated.data == "yes",
            registration_status=self.registration_status.data,
            link_officer_id=self.link_officer.data,
            contract_manager_id=self.contract_manager.data,
            rating_question=self.rating_question.data or KeyQuestion.OVERALL.value,
            rating=self.rating.data,
            escalation_level=self.escalation_level.data,
            suspension=self.suspension.data,
            sort=self.sort.data or "name",
            direction=self.direction.data or "asc",
            page=page,
        )
