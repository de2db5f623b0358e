"""The visit-frequency policy table: months per rating band, and the rules around it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import ValidationError

from provider_monitor.enums import PolicyBand
from provider_monitor.services.visit_rules import Policy

# Field name → (what it is called in messages, smallest, largest, unit, hint).
SETTINGS = {
    "enhanced_cap_months": (
        "The enhanced monitoring limit", 1, 24, "months",
        "Most months between visits while a service is under enhanced monitoring or the provider concerns "
        "process (escalation levels 1 and 2). Applies once escalation levels are recorded.",
    ),
    "suspension_cap_months": (
        "The suspension limit", 1, 24, "months",
        "Most months between visits while placements are suspended or worse (escalation levels 3 to 5). "
        "Applies once escalation levels are recorded.",
    ),
    "never_visited_grace_days": (
        "The grace period for services never visited", 0, 365, "days",
        "Days after a service joins the register before its first visit is due (0: due at once)",
    ),
    "due_soon_days": ("The due soon period", 1, 180, "days", "A visit due within this many days shows as due soon"),
    "comment_window_days": (
        "The comment window", 1, 60, "days",
        "Days a provider has to comment on the factual accuracy of a shared report",
    ),
}  # fmt: skip
SETTING_LABELS = {
    "enhanced_cap_months": "Enhanced monitoring limit",
    "suspension_cap_months": "Suspension limit",
    "never_visited_grace_days": "Grace period for services never visited",
    "due_soon_days": "Due soon period",
    "comment_window_days": "Comment window",
}
INTERVAL_RANGE = (1, 60)


def band_field_name(band: PolicyBand) -> str:
    return f"interval_{band.value}"


class WholeNumberField(IntegerField):
    """A required whole number in a range, with GOV.UK messages naming the thing asked for."""

    widget = GovTextInput()

    def __init__(self, label, *, noun: str, minimum: int, maximum: int, unit: str, **kwargs):
        super().__init__(label, **kwargs)
        self.noun, self.minimum, self.maximum, self.unit = noun, minimum, maximum, unit

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        try:
            self.data = int(self.raw) if self.raw.isascii() and self.raw.lstrip("-").isdigit() else None
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if getattr(self, "raw", None) == "":
            raise ValidationError(f"Enter {self.noun[0].lower() + self.noun[1:]} in {self.unit}")
        if self.data is None or not (self.minimum <= self.data <= self.maximum):
            raise ValidationError(
                f"{self.noun} must be a whole number of {self.unit} from {self.minimum} to {self.maximum}"
            )

    def _value(self):
        # Keep exactly what the admin typed, even when it is not a number.
        raw = getattr(self, "raw", None)
        return raw if raw is not None else ("" if self.data is None else str(self.data))


class VisitPolicyForm(FlaskForm):
    version_id = HiddenField()
    save = SubmitField("Save the policy", widget=GovSubmitInput())
    preview = SubmitField("Preview the effect", widget=GovSubmitInput())

    def band_fields(self):
        return [(band, self[band_field_name(band)]) for band in PolicyBand]

    def setting_fields(self):
        return [self[name] for name in SETTINGS]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            return False
        shortest = min(self.band_fields(), key=lambda pair: pair[1].data)
        for name in ("enhanced_cap_months", "suspension_cap_months"):
            field = self[name]
            if field.data > shortest[1].data:
                field.errors.append(
                    f"{field.noun} must be no longer than the shortest interval "
                    f"({shortest[1].data} months, {shortest[0].label})"
                )
        if not self.suspension_cap_months.errors and self.suspension_cap_months.data > self.enhanced_cap_months.data:
            self.suspension_cap_months.errors.append(
                "The suspension limit must be no longer than the enhanced monitoring limit"
            )
        return not self.errors

    def intervals(self) -> dict[PolicyBand, int]:
        return {band: field.data for band, field in self.band_fields()}

    def settings(self) -> dict[str, int]:
        return {name: self[name].data for name in SETTINGS}

    def policy(self) -> Policy:
        return Policy(intervals=self.intervals(), **self.settings())

    def fill(self, policy: Policy, version: int | None) -> None:
        """Show the policy in force (on GET)."""
        for band, field in self.band_fields():
            field.data, field.raw = policy.intervals[band], None
        for name in SETTINGS:
            self[name].data, self[name].raw = getattr(policy, name), None
        self.version_id.data = str(version or 0)


for _band in PolicyBand:
    setattr(
        VisitPolicyForm,
        band_field_name(_band),
        WholeNumberField(
            f"Months between visits: {_band.label}",
            noun=f"The interval for {_band.label}",
            minimum=INTERVAL_RANGE[0],
            maximum=INTERVAL_RANGE[1],
            unit="months",
        ),
    )
for _name, (_noun, _low, _high, _unit, _hint) in SETTINGS.items():
    setattr(
        VisitPolicyForm,
        _name,
        WholeNumberField(SETTING_LABELS[_name], noun=_noun, minimum=_low, maximum=_high, unit=_unit, description=_hint),
    )
