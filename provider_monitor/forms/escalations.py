"""Escalation decisions, meetings, deadlines met, and the board's filters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, HiddenField, SubmitField
from wtforms.validators import DataRequired

from provider_monitor.enums import MeetingKind, Role, SuspensionStatus
from provider_monitor.forms.actions import ActionForm
from provider_monitor.forms.fields import ChoiceField, GovDateField, RadioChoiceField, options
from provider_monitor.forms.ratings import date_required
from provider_monitor.forms.visits import NotesField, OptionalRadioField
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services.escalation_records import ATTENTION, BoardFilters
from provider_monitor.services.escalations import DecisionInput

EXAMPLE_DATE = "For example, 27 3 2027"
SUSPENSION_CHOICES = [
    (SuspensionStatus.RED.value, "Red – no new placements"),
    (SuspensionStatus.AMBER.value, "Amber – new placements with caution, after a risk assessment"),
]


def level_choices(authority: dict[int, Role]) -> list:
    """Each level with who may take it, so the choice explains itself."""
    choices = []
    for level in rules.LEVELS:
        text = rules.level_label(level)
        if level == 0:
            text += " – closes the escalation"
        choices.append((str(level), f"{text} ({authority[level].label} or above)"))
    return options(choices)


def _whole_number(value):
    return int(value) if value not in (None, "") else None


class DecisionForm(FlaskForm):
    to_level = RadioChoiceField("Level", [], "Select the level the service moves to, or stays at")
    suspension_status = OptionalRadioField(
        "Suspension of new placements", SUSPENSION_CHOICES, "Select red or amber",
        description="Only at level 3. Red: no new placements. Amber: new placements with caution.",
    )  # fmt: skip
    reason = NotesField(
        "Reason for the decision",
        description="Say what the decision rests on. It stays on the record; a step down or closing needs one.",
    )
    decided_on = GovDateField(
        "Date of the decision",
        description="For example, 27 3 2027",
        validators=[date_required("Enter the date of the decision")],
    )
    next_review_on = GovDateField("Next review date", description="Not needed when closing the escalation")
    conditions_to_step_down = NotesField(
        "Conditions to step down",
        description="What the provider must show for the level to come down. The provider can read this.",
    )
    lead_officer_id = ChoiceField("Lead officer", blank="No lead officer", coerce=_whole_number)
    supersedes_id = HiddenField()
    version_id = HiddenField()
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def decision_input(self) -> DecisionInput:
        """Only the decision's own fields; whether it may be taken is the service's to judge."""
        raw = self.supersedes_id.data or ""
        return DecisionInput(
            to_level=int(self.to_level.data),
            reason=self.reason.data or "",
            decided_on=self.decided_on.data,
            next_review_on=self.next_review_on.data,
            suspension_status=SuspensionStatus(self.suspension_status.data) if self.suspension_status.data else None,
            conditions_to_step_down=self.conditions_to_step_down.data or "",
            lead_officer_id=self.lead_officer_id.data,
            supersedes_id=int(raw) if raw.isascii() and raw.isdigit() else None,
        )


class MeetingForm(FlaskForm):
    kind = RadioChoiceField("Type of meeting", MeetingKind.choices(), "Select the type of meeting")
    held_on = GovDateField(
        "Date of the meeting",
        description="For example, 27 3 2027",
        validators=[date_required("Enter the date of the meeting")],
    )
    attendees = NotesField("Attendees", description="Names and roles, one per line")
    organisations = NotesField(
        "Organisations represented", description="For example, the provider, CQC, the ICB, the safeguarding team"
    )
    minutes = NotesField("Minutes", validators=[DataRequired("Enter the minutes of the meeting")])
    minutes_internal = BooleanField(
        "These minutes are internal: do not show them to the provider", default=True, widget=GovCheckboxInput()
    )
    decisions = NotesField("Decisions made", description="Escalation decisions themselves are recorded separately")
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())

    def meeting_data(self) -> dict:
        return {
            "kind": MeetingKind(self.kind.data),
            "held_on": self.held_on.data,
            "attendees": self.attendees.data,
            "organisations": self.organisations.data,
            "minutes": self.minutes.data,
            "minutes_internal": bool(self.minutes_internal.data),
            "decisions": self.decisions.data,
        }


class TimerMetForm(FlaskForm):
    met_on = GovDateField(
        "Date it was done",
        description="For example, 27 3 2027",
        validators=[date_required("Enter the date it was done")],
    )
    met_note = NotesField("Note", description="For example, letter sent by email to the registered manager")
    submit = SubmitField("Record as done", widget=GovSubmitInput())


class BoardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    level = ChoiceField(
        "Level", blank="Any level", choices=[(str(level), rules.level_label(level)) for level in rules.LEVELS if level],
        coerce=_whole_number,
    )  # fmt: skip
    suspension_status = ChoiceField("Suspension", blank="Any", choices=SuspensionStatus.choices())
    lead_officer_id = ChoiceField("Lead officer", blank="Anyone", coerce=_whole_number)
    attention = ChoiceField("Needs attention", blank="Everything", choices=list(ATTENTION.items()))
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def filters(self) -> BoardFilters:
        return BoardFilters(
            level=self.level.data,
            suspension_status=self.suspension_status.data or None,
            lead_officer_id=self.lead_officer_id.data,
            attention=self.attention.data or None,
        )


class MeetingActionForm(ActionForm):
    """An action agreed at a meeting; a provider-wide escalation also asks which service it is for."""

    service_id = ChoiceField("Service", blank="Select a service", coerce=_whole_number)
