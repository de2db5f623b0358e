"""Escalations and concerns as JSON, from what the services let this viewer read (never from whole rows).

The redaction is the service layer's: an escalation comes from escalation_records.record_for (reasons and
internal meetings withheld from provider users), a concern's details from concerns.redacted_for.
"""

from __future__ import annotations

from provider_monitor.api.serialise import iso, service_ref, value_of
from provider_monitor.models.concern import Concern
from provider_monitor.models.service import Service
from provider_monitor.services.escalation_records import EscalationRecord

# The concern's own details, as redacted_for gives them (its provider and service are added as objects).
CONCERN_FIELDS = (
    "received_on", "source", "category", "severity", "description", "people_affected", "source_identity",
    "safeguarding_reference", "safeguarding_detail", "confidential", "status", "closed_on", "closed_reason",
    "logged_by_id",
)  # fmt: skip


def _plain(value):
    """Dates as ISO text, enums as their values; 'Withheld' and everything else as given."""
    if hasattr(value, "isoformat"):
        return iso(value)
    if hasattr(value, "label"):
        return value_of(value)
    return value


def escalation_json(record: EscalationRecord, service: Service | None) -> dict:
    """One escalation as record_for let this viewer read it; `service` is the escalation's (loaded) service."""
    return {
        "id": record.id,
        "provider": {"id": record.provider_id, "name": record.provider_name},
        "service": service_ref(service) if service is not None else None,
        "level": record.level,
        "level_label": record.level_label,
        "suspension_status": value_of(record.suspension_status),
        "opened_on": iso(record.opened_on),
        "closed_on": iso(record.closed_on),
        "next_review_on": iso(record.next_review_on),
        "lead_officer": record.lead_officer,
        "conditions_to_step_down": record.conditions_to_step_down,
        "timers": [
            {
                "id": timer.id,
                "kind": timer.kind.value,
                "started_on": iso(timer.started_on),
                "due_on": iso(timer.due_on),
                "met_on": iso(timer.met_on),
                "state": timer.state.value,
            }
            for timer in record.timers
        ],
        "decisions": [
            {
                "id": decision.id,
                "kind": decision.kind.value,
                "decided_on": iso(decision.decided_on),
                "decided_by": decision.decided_by,
                "decided_by_role": decision.decided_by_role.value,
                "from_level": decision.from_level,
                "to_level": decision.to_level,
                "from_suspension": value_of(decision.from_suspension),
                "to_suspension": value_of(decision.to_suspension),
                "reason": decision.reason,
                "conditions_to_step_down": decision.conditions_to_step_down,
                "next_review_on": iso(decision.next_review_on),
                "supersedes_id": decision.supersedes_id,
                "superseded_by_id": decision.superseded_by_id,
            }
            for decision in record.decisions
        ],
        "meetings": [
            {
                "id": meeting.id,
                "kind": meeting.kind.value,
                "held_on": iso(meeting.held_on),
                "attendees": meeting.attendees,
                "organisations": meeting.organisations,
                "minutes": meeting.minutes,
                "decisions": meeting.decisions,
                "withheld": meeting.withheld,
            }
            for meeting in record.meetings
        ],
    }


def concern_json(details: dict, concern: Concern, visit_ids: list[int]) -> dict:
    """A concern: `details` from concerns.redacted_for; provider and service from the (loaded) concern."""
    return {
        "id": concern.id,
        "provider": {"id": concern.provider.id, "name": concern.provider.name},
        "service": service_ref(concern.service) if concern.service is not None else None,
        **{name: _plain(details[name]) for name in CONCERN_FIELDS},
        "visit_ids": visit_ids,
    }
