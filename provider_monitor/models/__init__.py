"""Every model, imported in one place for Alembic autogenerate and the shell."""

from provider_monitor.models.action import Action, ActionEvent, ActionEvidence
from provider_monitor.models.area import Boundary, District, Ward
from provider_monitor.models.audit import AuditEvent
from provider_monitor.models.base import Base
from provider_monitor.models.concern import Concern, concern_visit
from provider_monitor.models.cqc import CQCSettings, CQCSyncRun
from provider_monitor.models.escalation import (
    Escalation,
    EscalationAuthority,
    EscalationDecision,
    EscalationMeeting,
    EscalationSettings,
    EscalationTimer,
)
from provider_monitor.models.flag import Flag, FlagNote, JobRun, OutboxMessage
from provider_monitor.models.provider import Provider
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User, UserSession
from provider_monitor.models.visit import Visit, VisitCompliance, VisitFinding, visit_officer
from provider_monitor.models.visit_feedback import VisitComment, VisitReadReceipt
from provider_monitor.models.visit_policy import VisitPolicyBand, VisitPolicySettings

__all__ = [
    "Action", "ActionEvent", "ActionEvidence", "AuditEvent", "Base", "Boundary", "CQCSettings", "CQCSyncRun", "Concern",
    "District", "Escalation", "EscalationAuthority", "EscalationDecision", "EscalationMeeting", "EscalationSettings",
    "EscalationTimer", "Flag", "FlagNote", "JobRun", "OutboxMessage", "Provider", "concern_visit", "RatingChange",
    "RatingSnapshot",
    "Service", "User", "UserSession", "Visit", "VisitComment", "VisitCompliance", "VisitFinding", "VisitPolicyBand",
    "VisitPolicySettings", "VisitReadReceipt", "Ward", "visit_officer",
]  # fmt: skip
