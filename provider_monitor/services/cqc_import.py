"""Bring one CQC location onto the register: the service (and provider) if new, registration, ratings."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import RatingSource, RegistrationStatus, Sector
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.services import ratings
from provider_monitor.services.cqc_records import LocationRecord
from provider_monitor.text import normalise_postcode


@dataclass(frozen=True)
class ImportOutcome:
    location_id: str
    service_id: int
    created: bool
    deregistered: bool  # newly deregistered by this import
    snapshots_added: int
    changes: int


def find_service(session: Session, location_id: str) -> Service | None:
    return session.scalar(sa.select(Service).where(Service.cqc_location_id == location_id))


def provider_for(session: Session, cqc_provider_id: str | None, name: str | None = None) -> Provider:
    """The provider with this CQC id, created (named from CQC if known) when it is not on the register."""
    provider = None
    if cqc_provider_id:
        provider = session.scalar(sa.select(Provider).where(Provider.cqc_provider_id == cqc_provider_id))
    if provider is None:
        provider = Provider(
            name=(name or f"CQC provider {cqc_provider_id or 'not known'}")[:200],
            cqc_provider_id=cqc_provider_id,
            sector=Sector.INDEPENDENT,
        )
        session.add(provider)
        session.flush()
    elif name and provider.name.startswith("CQC provider "):
        provider.name = name[:200]
    return provider


def _new_service(session: Session, record: LocationRecord, provider_name: str | None) -> Service:
    provider = provider_for(session, record.provider_id, provider_name)
    service = Service(
        provider_id=provider.id,
        name=record.name[:200],
        cqc_location_id=record.location_id,
        service_type=record.service_type,
        regulated=True,
        registration_status=record.registration_status,
        registration_date=record.registration_date,
        address_line_1=(record.address_line_1 or "")[:200] or None,
        address_line_2=(record.address_line_2 or "")[:200] or None,
        town=(record.town or "")[:100] or None,
        postcode=normalise_postcode(record.postcode),
        latitude=record.latitude,
        longitude=record.longitude,
        capacity=record.beds,
    )
    session.add(service)
    session.flush()
    return service


def _update_registration(service: Service, record: LocationRecord) -> bool:
    """Keep CQC's registration facts; fill gaps in the address. Returns True if newly deregistered.

    Officers' own edits (names, contracts, link officers) are never overwritten by CQC data.
    """
    newly_deregistered = (
        record.registration_status == RegistrationStatus.DEREGISTERED
        and service.registration_status != RegistrationStatus.DEREGISTERED
    )
    service.registration_status = record.registration_status
    service.registration_date = record.registration_date or service.registration_date
    if service.latitude is None and record.latitude is not None:
        service.latitude, service.longitude = record.latitude, record.longitude
    service.postcode = service.postcode or normalise_postcode(record.postcode)
    service.town = service.town or (record.town or "")[:100] or None
    return newly_deregistered


def _inherit_predecessor_history(session: Session, service: Service, record: LocationRecord) -> None:
    """Ratings carried over from a predecessor registration keep that registration's history."""
    for predecessor_id in record.predecessors:
        predecessor = find_service(session, predecessor_id)
        if predecessor is None or predecessor.id == service.id:
            continue
        states = [ratings.snapshot_state(s) for s in reversed(ratings.history(session, predecessor.id))]
        ratings.record_states(session, service.id, states, source=RatingSource.CQC_API, inherited_from=predecessor_id)


def import_location(
    session: Session, record: LocationRecord, *, source: RatingSource, provider_name: str | None = None
) -> ImportOutcome:
    """Create or update the service for a CQC location and add its rating history. Flushes only."""
    service = find_service(session, record.location_id)
    created = service is None
    if created:
        service = _new_service(session, record, provider_name)
        deregistered = record.registration_status == RegistrationStatus.DEREGISTERED
    else:
        deregistered = _update_registration(service, record)
    _inherit_predecessor_history(session, service, record)
    recorded = ratings.record_states(
        session, service.id, record.history(), source=source, inherited_from=record.inherited_from
    )
    session.flush()
    return ImportOutcome(
        location_id=record.location_id,
        service_id=service.id,
        created=created,
        deregistered=deregistered,
        snapshots_added=recorded.added,
        changes=recorded.changes,
    )
