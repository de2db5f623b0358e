"""The escalation rules form: who may decide at each level, and how long each timer runs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import ValidationError

from provider_monitor.enums import Role
from provider_monitor.forms.fields import ChoiceField
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services import escalation_settings as settings
from provider_monitor.services.escalation_rules import TimerSettings
from provider_monitor.services.escalations import TIMER_FIELDS

# What each timer measures; the design's default is added to the hint.
TIMER_HINTS = {
    "suspension_letter_working_days": "Working days from a decision to suspend placements to the letter to the "
    "provider, with the remedial action plan",
    "suspension_review_weeks": "Weeks from a decision to suspend placements to its review",
    "appeal_working_days": "Working days the provider has to appeal a decision to suspend placements",
    "due_soon_days": "A timer shows as due soon this many days before it is due",
}


class AuthorityField(ChoiceField):
    """The least senior role that may decide at one level: only the roles that take escalation decisions."""

    def __init__(self, level: int, **kwargs):
        super().__init__(
            f"Who may decide at {rules.level_label(level).lower()}",
            coerce=Role,
            choices=[(role.value, role.label) for role in settings.deciding_roles()],
            **kwargs,
        )
        self.level = level

    def pre_validate(self, form):
        if getattr(self, "_problem", None) or self.data is None:
            raise ValidationError(f"Select who may decide at level {self.level}")
        problem = settings.role_problem(self.level, self.data)
        if problem:
            raise ValidationError(problem)


class TimerField(IntegerField):
    """A timer length: a whole number, kept exactly as typed when it is not one."""

    widget = GovTextInput()

    def __init__(self, timer: str, **kwargs):
        limit = settings.TIMER_LIMITS[timer]
        default = getattr(TimerSettings(), timer)
        hint = f"{TIMER_HINTS[timer]}. The design’s default is {default}."
        super().__init__(limit.name, description=hint, **kwargs)
        self.limit, self.unit, self.default = limit, limit.unit, default

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        digits = self.raw.removeprefix("-")
        self.data = int(self.raw) if self.raw.isascii() and digits.isdigit() else None

    def pre_validate(self, form):
        if getattr(self, "raw", None) == "":
            raise ValidationError(f"Enter the {self.limit.name.lower()} in {self.unit}")
        if self.data is None:
            raise ValidationError(f"{self.limit.name} must be a whole number of {self.unit}, like {self.default}")
        problem = settings.timer_problem(self.name, self.data)
        if problem:
            raise ValidationError(problem)

    def _value(self):
        # Keep exactly what the admin typed, even when it is not a number.
        raw = getattr(self, "raw", None)
        return raw if raw is not None else ("" if self.data is None else str(self.data))


class EscalationRulesForm(FlaskForm):
    version_id = HiddenField()
    save = SubmitField("Save the escalation rules", widget=GovSubmitInput())

    def authority_fields(self) -> list[tuple[int, AuthorityField]]:
        return [(level, self[settings.authority_field(level)]) for level in rules.LEVELS]

    def timer_fields(self) -> list[TimerField]:
        return [self[name] for name in TIMER_FIELDS]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        chosen = {level: field.data for level, field in self.authority_fields() if not field.errors}
        if len(chosen) == len(rules.LEVELS):
            for level, problem in settings.authority_problems(chosen).items():
                self[settings.authority_field(level)].errors.append(problem)
        return valid and not self.errors

    def authority(self) -> dict[int, Role]:
        return {level: field.data for level, field in self.authority_fields()}

    def timers(self) -> dict[str, int]:
        return {field.name: field.data for field in self.timer_fields()}

    def fill(self, authority: dict[int, Role], timers: TimerSettings, version: int | None) -> None:
        """Show the rules in force (on GET)."""
        for level, field in self.authority_fields():
            field.data = authority[level]
        for field in self.timer_fields():
            field.data, field.raw = getattr(timers, field.name), None
        self.version_id.data = str(version or 0)


for _level in rules.LEVELS:
    setattr(EscalationRulesForm, settings.authority_field(_level), AuthorityField(_level))
for _name in TIMER_FIELDS:
    setattr(EscalationRulesForm, _name, TimerField(_name))
