"""factory_boy factories for the register, users, visits, actions, concerns and escalations."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from provider_monitor.enums import FlagKind, FlagSeverity, RegistrationStatus, Role, Sector, ServiceType
from provider_monitor.extensions import db
from provider_monitor.models import (
    Action,
    ActionEvidence,
    Concern,
    District,
    Escalation,
    EscalationDecision,
    EscalationMeeting,
    EscalationTimer,
    Flag,
    Provider,
    Service,
    User,
    Visit,
)
from provider_monitor.services.passwords import hash_password

TEST_PASSWORD = "correct horse battery staple"
# Hashing is deliberately slow; every factory user shares one hash of the test password.
TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class DistrictFactory(Base):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"E0700{n:04d}")
    name = factory.Sequence(lambda n: f"District {n}")


class ProviderFactory(Base):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n} Care Ltd")
    cqc_provider_id = factory.Sequence(lambda n: f"1-{100000000 + n}")
    sector = Sector.INDEPENDENT
    town = "Mansfield"
    postcode = "NG18 1AA"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.gov.uk")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.OFFICER
    password_hash = TEST_PASSWORD_HASH
    provider = None


class ServiceFactory(Base):
    class Meta:
        model = Service

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Service {n} House")
    cqc_location_id = factory.Sequence(lambda n: f"1-{200000000 + n}")
    service_type = ServiceType.CARE_HOME
    regulated = True
    registration_status = RegistrationStatus.REGISTERED
    town = "Mansfield"
    postcode = factory.Sequence(lambda n: f"NG18 {n % 10}AB")


def rating_state(day: str, **values):
    """The ratings after a report published on `day` (YYYY-MM-DD): rating_state("2026-05-01", overall="Good")."""
    from datetime import date

    from provider_monitor.enums import KeyQuestion
    from provider_monitor.services.rating_rules import Rating, State

    when = date.fromisoformat(day)
    return State(when, {KeyQuestion(k): Rating(v, when, f"report-{day}") for k, v in values.items()})


def record_ratings(service, *states, source=None):
    """Record a rating history for a service (committed)."""
    from provider_monitor.enums import RatingSource
    from provider_monitor.services import ratings

    ratings.record_states(db.session, service.id, list(states), source=source or RatingSource.CQC_API)
    db.session.commit()


def _days_ago(days: int):
    from datetime import date, timedelta

    return date.today() - timedelta(days=days)


class VisitFactory(Base):
    """A logged planned visit (report in draft) 30 days ago; pass status/planned_on for other shapes."""

    class Meta:
        model = Visit

    service = factory.SubFactory(ServiceFactory)
    kind = "planned"
    purpose = "quality_audit"
    status = "draft"
    visited_on = factory.LazyFunction(lambda: _days_ago(30))
    steps_completed = 5


class ActionFactory(Base):
    """An open corrective action due in 28 days."""

    class Meta:
        model = Action

    service = factory.SubFactory(ServiceFactory)
    description = factory.Sequence(lambda n: f"Review medication records, item {n}")
    key_question = "safe"
    kind = "corrective"
    priority = "medium"
    due_on = factory.LazyFunction(lambda: _days_ago(-28))
    owner = "Registered manager"
    status = "open"


class ActionEvidenceFactory(Base):
    """A stored evidence record (no file on disk: enough for access checks)."""

    class Meta:
        model = ActionEvidence

    action = factory.SubFactory(ActionFactory)
    filename = "evidence.pdf"
    stored_name = factory.Sequence(lambda n: f"{n:032x}")
    content_type = "application/pdf"
    size_bytes = 1024
    sha256 = "0" * 64
    uploaded_by_label = "Provider user"


class ConcernFactory(Base):
    """An open medium-severity staffing concern from a family member, received a week ago."""

    class Meta:
        model = Concern

    service = factory.SubFactory(ServiceFactory)
    provider_id = factory.LazyAttribute(lambda o: o.service.provider_id)
    received_on = factory.LazyFunction(lambda: _days_ago(7))
    source = "family"
    category = "staffing"
    severity = "medium"
    description = factory.Sequence(lambda n: f"Too few staff on the night shift, report {n}")
    status = "open"


class EscalationFactory(Base):
    """An open escalation of a service at level 1 (enhanced monitoring), reviewed in 28 days."""

    class Meta:
        model = Escalation

    service = factory.SubFactory(ServiceFactory)
    provider_id = factory.LazyAttribute(lambda o: o.service.provider_id)
    level = 1
    opened_on = factory.LazyFunction(lambda: _days_ago(14))
    next_review_on = factory.LazyFunction(lambda: _days_ago(-28))


class EscalationDecisionFactory(Base):
    """The decision that took an escalation from routine monitoring to its level."""

    class Meta:
        model = EscalationDecision

    escalation = factory.SubFactory(EscalationFactory)
    kind = "escalate"
    decided_on = factory.SelfAttribute("escalation.opened_on")
    decided_by_label = "A Manager"
    decided_by_role = Role.MANAGER
    from_level = 0
    to_level = factory.SelfAttribute("escalation.level")
    to_suspension = factory.SelfAttribute("escalation.suspension_status")
    reason = "Repeated staffing concerns"
    next_review_on = factory.SelfAttribute("escalation.next_review_on")


class EscalationMeetingFactory(Base):
    class Meta:
        model = EscalationMeeting

    escalation = factory.SubFactory(EscalationFactory)
    kind = "decision"
    held_on = factory.LazyFunction(lambda: _days_ago(10))
    attendees = "Head of service, QMM officer"
    minutes = "Internal discussion of the concerns"
    minutes_internal = True


class EscalationTimerFactory(Base):
    class Meta:
        model = EscalationTimer

    escalation = factory.SubFactory(EscalationFactory)
    kind = "level_review"
    started_on = factory.LazyFunction(lambda: _days_ago(14))
    due_on = factory.LazyFunction(lambda: _days_ago(-28))


class FlagFactory(Base):
    """An open flag on a service (the sweep's job in real life)."""

    class Meta:
        model = Flag
        exclude = ("on",)

    on = factory.SubFactory(ServiceFactory)
    service_id = factory.LazyAttribute(lambda o: o.on.id if o.on else None)
    provider_id = factory.LazyAttribute(lambda o: o.on.provider_id)
    kind = FlagKind.VISIT_OVERDUE
    subject_key = factory.LazyAttributeSequence(lambda o, n: f"service:{o.on.id}" if o.on else f"escalation:{n}")
    severity = FlagSeverity.MEDIUM
    evidence = factory.Sequence(lambda n: f"Visit due 1 March 2026, {n} days overdue")


def provider_wide_flag(provider, **kwargs) -> Flag:
    """A flag on a whole provider (no service)."""
    flag = Flag(
        kind=kwargs.pop("kind", FlagKind.ESCALATION_REVIEW_OVERDUE),
        subject_key=kwargs.pop("subject_key", "escalation:77"),
        provider_id=provider.id,
        service_id=None,
        severity=FlagSeverity.HIGH,
        evidence="Review due",
        **kwargs,
    )
    db.session.add(flag)
    db.session.commit()
    return flag
