"""What each viewer may see: provider users only ever reach their own provider's records."""

import sqlalchemy as sa

from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User


def services_visible_to(viewer: User) -> sa.Select:
    """All services for staff; only their own provider's for a provider user."""
    stmt = sa.select(Service)
    if not viewer.is_staff:
        stmt = stmt.where(Service.provider_id == (viewer.provider_id if viewer.is_provider_user else -1))
    return stmt


def providers_visible_to(viewer: User) -> sa.Select:
    """All providers for staff; only their own for a provider user."""
    stmt = sa.select(Provider)
    if not viewer.is_staff:
        stmt = stmt.where(Provider.id == (viewer.provider_id if viewer.is_provider_user else -1))
    return stmt
