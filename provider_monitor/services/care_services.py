"""Services on the register (care homes, home care, council-run services…): find, add and edit."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from provider_monitor.enums import Role
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services.editing import apply_changes, flush_checked
from provider_monitor.services.exceptions import NotFound
from provider_monitor.services.visibility import services_visible_to

UNIQUE_MESSAGES = {"cqc_location_id": "A service with this CQC location ID is already on the register"}


def get_service(session: Session, viewer: User, service_id: int) -> Service:
    """The service with its provider and people, if the viewer may see it; otherwise NotFound."""
    stmt = (
        services_visible_to(viewer)
        .where(Service.id == service_id)
        .options(
            joinedload(Service.provider),
            joinedload(Service.district),
            joinedload(Service.ward),
            joinedload(Service.link_officer),
            joinedload(Service.contract_manager),
        )
    )
    service = session.scalar(stmt)
    if service is None:
        raise NotFound("service")
    return service


def staff_choices(session: Session, *roles: Role, with_role: bool = False) -> list[tuple[int, str]]:
    """Active staff with one of these roles, for link officer and contract manager lists.

    with_role adds the role to each name ("Lucy Nowak (QMM officer)"), for lists that mix roles.
    """
    stmt = (
        sa.select(User.id, User.name, User.role)
        .where(User.role.in_(roles), User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return [(user_id, f"{name} ({role.label})" if with_role else name) for user_id, name, role in session.execute(stmt)]


def create_service(session: Session, data: dict) -> Service:
    service = Service(**data)
    _place(session, service)
    session.add(service)
    flush_checked(session, UNIQUE_MESSAGES, noun="service")
    return service


def update_service(session: Session, service: Service, data: dict, *, expected_version: int | None) -> Service:
    apply_changes(session, service, data, expected_version=expected_version, noun="service")
    _place(session, service)
    flush_checked(session, UNIQUE_MESSAGES, noun="service")
    return service


def _place(session: Session, service: Service) -> None:
    """Give a saved service its district and ward from its coordinates, when boundaries are loaded."""
    # geopandas takes a second to import: web workers load it only when a service is saved.
    from provider_monitor.services.geo import assign_service

    assign_service(session, service)
