"""Every model, imported in one place for Alembic autogenerate and the shell."""

from provider_monitor.models.area import District, Ward
from provider_monitor.models.audit import AuditEvent
from provider_monitor.models.base import Base
from provider_monitor.models.cqc import CQCSettings, CQCSyncRun
from provider_monitor.models.provider import Provider
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User, UserSession

__all__ = [
    "AuditEvent", "Base", "CQCSettings", "CQCSyncRun", "District", "Provider", "RatingChange", "RatingSnapshot",
    "Service", "User", "UserSession", "Ward",
]  # fmt: skip
