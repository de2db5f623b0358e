"""Models as JSON for the API: explicit fields only, never whole rows."""

from __future__ import annotations

from datetime import date

from provider_monitor.enums import KeyQuestion
from provider_monitor.models.action import Action
from provider_monitor.models.provider import Provider
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.visit import Visit
from provider_monitor.services.action_rules import rag
from provider_monitor.services.escalation_rules import level_label
from provider_monitor.services.register import EscalationInForce


def iso(value):
    return value.isoformat() if value is not None else None


def current_ratings_json(snapshot: RatingSnapshot | None) -> dict:
    """Overall and the five key questions, each {rating, report_date}; nulls where none is held."""
    return {
        q.value: {
            "rating": getattr(snapshot, q.value) if snapshot else None,
            "report_date": iso(getattr(snapshot, f"{q.value}_date")) if snapshot else None,
        }
        for q in KeyQuestion
    }


def service_escalation_json(escalation: EscalationInForce | None) -> dict | None:
    """The escalation in force (the service's own or its provider's, whichever is higher); null if routine."""
    if escalation is None:
        return None
    return {
        "level": escalation.level,
        "level_label": level_label(escalation.level),
        "suspension_status": value_of(escalation.suspension_status),
        "next_review_on": iso(escalation.next_review_on),
        "escalation_id": escalation.escalation_id,
    }


def service_json(
    service: Service, current: RatingSnapshot | None = None, escalation: EscalationInForce | None = None
) -> dict:
    """A service with its provider, district and ward (loaded with it), current CQC ratings and escalation."""
    return {
        "id": service.id,
        "name": service.name,
        "provider_id": service.provider_id,
        "provider_name": service.provider.name,
        "cqc_location_id": service.cqc_location_id,
        "service_type": service.service_type.value,
        "sector": service.provider.sector.value,
        "regulated": service.regulated,
        "registration_status": service.registration_status.value,
        "registration_date": iso(service.registration_date),
        "status": service.status.value,
        "address_line_1": service.address_line_1,
        "address_line_2": service.address_line_2,
        "town": service.town,
        "postcode": service.postcode,
        "latitude": service.latitude,
        "longitude": service.longitude,
        "district_code": service.district_code,
        "district_name": service.district.name if service.district else None,
        "ward_code": service.ward_code,
        "ward_name": service.ward.name if service.ward else None,
        "capacity": service.capacity,
        "link_officer_id": service.link_officer_id,
        "contract_manager_id": service.contract_manager_id,
        "contract_end": iso(service.contract_end),
        "current_ratings": current_ratings_json(current),
        "escalation": service_escalation_json(escalation),
        "updated_at": iso(service.updated_at),
    }


def provider_json(provider: Provider, service_count: int) -> dict:
    return {
        "id": provider.id,
        "name": provider.name,
        "cqc_provider_id": provider.cqc_provider_id,
        "sector": provider.sector.value,
        "ownership_type": provider.ownership_type,
        "companies_house_number": provider.companies_house_number,
        "town": provider.town,
        "postcode": provider.postcode,
        "service_count": service_count,
        "updated_at": iso(provider.updated_at),
    }


def rating_change_json(change: RatingChange) -> dict:
    """A decline or improvement, with its service (loaded with it)."""
    return {
        "id": change.id,
        "service_id": change.service_id,
        "service_name": change.service.name,
        "cqc_location_id": change.service.cqc_location_id,
        "district_code": change.service.district_code,
        "key_question": change.key_question.value,
        "from": change.from_rating,
        "to": change.to_rating,
        "date": iso(change.changed_on),
        "direction": change.direction.value,
        "high_severity": change.high_severity,
    }


def value_of(member):
    return member.value if member is not None else None


def service_ref(service: Service) -> dict:
    return {"id": service.id, "name": service.name, "cqc_location_id": service.cqc_location_id}


def visit_json(visit: Visit) -> dict:
    """A visit with its service, officers, findings and compliance checklist (all loaded with it)."""
    return {
        "id": visit.id,
        "service": service_ref(visit.service),
        "kind": visit.kind.value,
        "purpose": visit.purpose.value,
        "status": visit.status.value,
        "planned_on": iso(visit.planned_on),
        "visited_on": iso(visit.visited_on),
        "full_quality_visit": visit.full_quality_visit,
        "local_rating": value_of(visit.local_rating),
        "officers": [officer.name for officer in visit.officers],
        "findings": [
            {"key_question": f.key_question.value, "judgement": value_of(f.judgement), "evidence": f.evidence}
            for f in visit.findings
        ],
        "compliance": [
            {"area": c.area.value, "result": value_of(c.result), "notes": c.notes} for c in visit.compliance
        ],
        "shared_at": iso(visit.shared_at),
        "comments_due_on": iso(visit.comments_due_on),
        "finalised_at": iso(visit.finalised_at),
    }


def action_json(action: Action, today: date) -> dict:
    """An action with its service and timeline (both loaded with it); RAG as of `today`."""
    return {
        "id": action.id,
        "service": service_ref(action.service),
        "visit_id": action.visit_id,
        "description": action.description,
        "key_question": value_of(action.key_question),
        "kind": action.kind.value,
        "priority": action.priority.value,
        "due_on": iso(action.due_on),
        "owner": action.owner,
        "status": action.status.value,
        "rag": rag(action.status, action.due_on, today).value,
        "verified_at": iso(action.verified_at),
        "events": [
            {
                "at": iso(e.at),
                "actor": e.actor_label,
                "from_status": value_of(e.from_status),
                "to_status": value_of(e.to_status),
                "note": e.note,
            }
            for e in action.events
        ],
    }
