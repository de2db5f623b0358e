"""Monitoring visits: plan one, log it step by step, share the report with the provider, finalise it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from provider_monitor.enums import (
    PROVIDER_VISIBLE_REPORT_STATUSES,
    KeyQuestion,
    Role,
    VisitKind,
    VisitStatus,
)
from provider_monitor.jinja import format_date, format_datetime
from provider_monitor.models.action import Action
from provider_monitor.models.audit import AuditEvent
from provider_monitor.models.base import utcnow
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit, VisitCompliance, VisitFinding
from provider_monitor.services.audit import current_actor
from provider_monitor.services.editing import flush_checked
from provider_monitor.services.exceptions import DomainError, EditConflict, FieldError, NotFound
from provider_monitor.services.visibility import services_visible_to
from provider_monitor.services.visit_rules import REPORT_SHARERS, REPORT_SIGNERS, VISIT_LOGGERS, Policy

# The long visit record, one page each, in the order an officer fills it in.
STEPS = ("details", "people", "findings", "compliance", "outcome")
# Overall is the visit's local rating, judged on the outcome step, not a finding of its own.
FINDING_QUESTIONS = tuple(q for q in KeyQuestion if q != KeyQuestion.OVERALL)
EDITABLE_STATUSES = frozenset({VisitStatus.PLANNED, VisitStatus.DRAFT})
OFFICER_ROLES = (Role.OFFICER, Role.MANAGER)


class ReportStateError(DomainError):
    """The visit is not at the point in its workflow this needs (a shared report cannot be edited…)."""


class ReportIncomplete(DomainError):
    """The report cannot be shared yet: problems are (step, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("The report cannot be shared yet")
        self.problems = problems


def step_number(step: str) -> int:
    return STEPS.index(step) + 1


# Reading


def _visible(viewer: User) -> sa.Select:
    """Visits the viewer may see: all for staff; shared and final reports of their own services for a provider."""
    service_ids = services_visible_to(viewer).with_only_columns(Service.id)
    stmt = sa.select(Visit).where(Visit.service_id.in_(service_ids))
    if not viewer.is_staff:
        stmt = stmt.where(Visit.status.in_(PROVIDER_VISIBLE_REPORT_STATUSES))
    return stmt


def get_visit(session: Session, viewer: User, visit_id: int) -> Visit:
    """The visit with everything its pages show, if the viewer may see it; otherwise NotFound."""
    stmt = (
        _visible(viewer)
        .where(Visit.id == visit_id)
        .options(
            joinedload(Visit.service).joinedload(Service.provider),
            selectinload(Visit.officers),
            selectinload(Visit.findings),
            selectinload(Visit.compliance),
            joinedload(Visit.logged_by),
            joinedload(Visit.shared_by),
            joinedload(Visit.finalised_by),
        )
    )
    visit = session.scalar(stmt)
    if visit is None:
        raise NotFound("visit")
    return visit


def visits_for_service(session: Session, viewer: User, service_id: int) -> list[Visit]:
    """A service's visits the viewer may see, newest first, with their officers."""
    stmt = (
        _visible(viewer)
        .where(Visit.service_id == service_id)
        .options(selectinload(Visit.officers))
        .order_by(sa.func.coalesce(Visit.visited_on, Visit.planned_on).desc(), Visit.id.desc())
    )
    return list(session.scalars(stmt))


def next_planned_visit(session: Session, service_ids: sa.Select, today: date | None = None) -> dict[int, Visit]:
    """The earliest planned visit on or after today for each of the services, in one query."""
    today = today or date.today()
    ranked = (
        sa.select(
            Visit.id,
            sa.func.row_number()
            .over(partition_by=Visit.service_id, order_by=(Visit.planned_on, Visit.id))
            .label("position"),
        )
        .where(Visit.service_id.in_(service_ids), Visit.status == VisitStatus.PLANNED, Visit.planned_on >= today)
        .subquery()
    )
    stmt = sa.select(Visit).join(ranked, ranked.c.id == Visit.id).where(ranked.c.position == 1)
    return {visit.service_id: visit for visit in session.scalars(stmt)}


def actions_for_visit(session: Session, visit: Visit) -> list[Action]:
    """The actions this visit raised, soonest due first."""
    stmt = sa.select(Action).where(Action.visit_id == visit.id).order_by(Action.due_on, Action.id)
    return list(session.scalars(stmt))


def officer_choices(session: Session, keep: list[User] | None = None) -> list[tuple[int, str]]:
    """Active QMM officers and managers; officers already on the visit stay listed even if deactivated since."""
    kept_ids = [user.id for user in keep or []]
    stmt = (
        sa.select(User.id, User.name)
        .where(sa.or_(sa.and_(User.role.in_(OFFICER_ROLES), User.active.is_(True)), User.id.in_(kept_ids)))
        .order_by(User.name, User.id)
    )
    return [(user_id, name) for user_id, name in session.execute(stmt)]


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a visit's change history, with finding and compliance changes named by their question."""

    at: datetime
    actor_label: str
    action: str
    changes: dict


def _events(visit: Visit) -> sa.Select:
    """Audit events of the visit and of its findings and compliance lines, newest first."""
    finding_ids = sa.select(VisitFinding.id).where(VisitFinding.visit_id == visit.id)
    compliance_ids = sa.select(VisitCompliance.id).where(VisitCompliance.visit_id == visit.id)
    return (
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(AuditEvent.entity_type == "visit", AuditEvent.entity_id == visit.id),
                sa.and_(AuditEvent.entity_type == "visit_finding", AuditEvent.entity_id.in_(finding_ids)),
                sa.and_(AuditEvent.entity_type == "visit_compliance", AuditEvent.entity_id.in_(compliance_ids)),
            )
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def history(session: Session, visit: Visit, limit: int = 100) -> list[HistoryEntry]:
    """The visit's audit trail; a finding's 'judgement' shows as 'Safe judgement'. Step progress is left out."""
    names = {("visit_finding", f.id): f.key_question.label for f in visit.findings}
    names |= {("visit_compliance", c.id): c.area.label for c in visit.compliance}
    hidden = {"id", "visit_id", "key_question", "area", "steps_completed"}
    entries = []
    for event in session.scalars(_events(visit).limit(limit)):
        prefix = names.get((event.entity_type, event.entity_id))
        changes = {
            f"{prefix} {field}" if prefix else field: values
            for field, values in event.changes.items()
            if field not in hidden
        }
        if event.action == "create" and event.entity_type == "visit":
            entries.append(HistoryEntry(event.at, event.actor_label, "create", {}))
        elif changes:
            # A finding or check being added reads as its values changing from blank.
            entries.append(HistoryEntry(event.at, event.actor_label, "update", changes))
    return entries


def last_change_message(session: Session, visit: Visit) -> str:
    """Who last changed the visit (or one of its findings or checks), and when, in words."""
    latest = session.scalar(_events(visit).limit(1))
    if latest is None:
        return "Someone changed this visit after you opened it. Your changes have not been saved."
    who = latest.actor_label.split(" (", 1)[0]
    return (
        f"{who} changed this visit on {format_datetime(latest.at)}, after you opened it. "
        "Your changes have not been saved. Check the current values, then save again to keep yours."
    )


# Planning and logging


def _officers(session: Session, officer_ids: list[int], allowed: list[User] | None = None) -> list[User]:
    """The chosen officers; an id that is not an active officer or manager (or already on the visit) is refused."""
    if not officer_ids:
        raise FieldError("officers", "Select at least one officer")
    allowed_ids = {user_id for user_id, _ in officer_choices(session, keep=allowed)}
    if not set(officer_ids) <= allowed_ids:
        raise FieldError("officers", "Select officers from the list")
    return list(session.scalars(sa.select(User).where(User.id.in_(officer_ids)).order_by(User.name)))


def _record_officer_change(session: Session, visit: Visit, before: list[User], after: list[User]) -> None:
    """The officer list is a link table the automatic audit cannot see: write its change ourselves."""
    old, new = sorted(u.name for u in before), sorted(u.name for u in after)
    if old == new:
        return
    actor = current_actor()
    session.add(
        AuditEvent(
            at=utcnow(), actor_id=actor.user_id, actor_label=actor.label, action="update", entity_type="visit",
            entity_id=visit.id, changes={"officers": [", ".join(old) or None, ", ".join(new)]},
            request_id=actor.request_id,
        )
    )  # fmt: skip


def plan_visit(session: Session, service: Service, data: dict, *, by: User, today: date) -> Visit:
    """A visit planned for today or later (status planned)."""
    if data["planned_on"] < today:
        raise FieldError("planned_on", "Date of the visit must be today or in the future")
    officers = _officers(session, data["officers"])
    visit = Visit(
        service_id=service.id, kind=data["kind"], purpose=data["purpose"], planned_on=data["planned_on"],
        status=VisitStatus.PLANNED, created_by_id=by.id, officers=officers,
    )  # fmt: skip
    session.add(visit)
    flush_checked(session, {}, noun="visit")
    _record_officer_change(session, visit, [], officers)
    session.flush()
    return visit


def log_visit(session: Session, service: Service, data: dict, *, by: User, today: date) -> Visit:
    """A visit that happened without being planned here first: its details saved, its report in draft."""
    visit = Visit(service_id=service.id, status=VisitStatus.PLANNED, created_by_id=by.id, officers=[])
    _apply_details(session, visit, data, by=by, today=today)
    visit.steps_completed = step_number("details")
    session.add(visit)
    flush_checked(session, {}, noun="visit")
    _record_officer_change(session, visit, [], visit.officers)
    session.flush()
    return visit


def check_editable(visit: Visit) -> None:
    """Only a planned visit or a draft report can be changed through the steps."""
    if visit.status == VisitStatus.SHARED:
        raise ReportStateError(
            f"This report was shared with the provider on {format_date(visit.shared_at)}, "
            "so it can no longer be changed."
        )
    if visit.status == VisitStatus.FINAL:
        raise ReportStateError(
            f"This report was finalised on {format_date(visit.finalised_at)}, so it can no longer be changed."
        )
    if visit.status == VisitStatus.CANCELLED:
        raise ReportStateError("This visit was cancelled, so it cannot be logged.")


def save_step(
    session: Session, visit: Visit, step: str, data: dict, *, expected_version: int | None, by: User, today: date
) -> Visit:
    """Save one step of the visit record; the first save of a planned visit logs it (report in draft)."""
    check_editable(visit)
    _check_version(session, visit, expected_version)
    if step != "details" and visit.status == VisitStatus.PLANNED:
        raise ReportStateError("Enter the visit details first.")
    officers_before = list(visit.officers)
    changed = STEP_SAVERS[step](session, visit, data, by=by, today=today)
    if step_number(step) > visit.steps_completed:
        visit.steps_completed = step_number(step)
    if changed or session.is_modified(visit, include_collections=False):
        # Findings and officers live in other tables: touching the visit moves its version for every change.
        visit.updated_at = utcnow()
    flush_checked(session, {}, noun="visit")
    _record_officer_change(session, visit, officers_before, visit.officers)
    session.flush()
    return visit


def _apply_details(session: Session, visit: Visit, data: dict, *, by: User, today: date) -> bool:
    if data["visited_on"] > today:
        raise FieldError("visited_on", "Date of the visit must be today or in the past")
    officers = _officers(session, data["officers"], allowed=list(visit.officers))
    visit.visited_on, visit.kind, visit.purpose = data["visited_on"], data["kind"], data["purpose"]
    # Only an unplanned visit asks; a planned visit resets the routine clock anyway.
    visit.full_quality_visit = bool(data["full_quality_visit"]) if data["kind"] == VisitKind.UNPLANNED else False
    changed = {u.id for u in officers} != {u.id for u in visit.officers}
    if changed:
        visit.officers = officers
    if visit.status == VisitStatus.PLANNED:
        visit.status, visit.logged_at, visit.logged_by_id = VisitStatus.DRAFT, utcnow(), by.id
    return changed


def _apply_people(session: Session, visit: Visit, data: dict, **_) -> bool:
    for name in ("spoke_to_people", "spoke_to_carers", "spoke_to_staff", "spoke_to_manager"):
        setattr(visit, name, bool(data[name]))
    visit.people_spoken_to_notes = data["people_spoken_to_notes"]
    return False


def _apply_rows(visit: Visit, rows: list, key: str, answers: dict, values: tuple[str, str], model) -> bool:
    """Create or update one row per answered question (or area); unanswered ones are left as they are."""
    held = {getattr(row, key): row for row in rows}
    changed = False
    for subject, (first, second) in answers.items():
        row = held.get(subject)
        if row is None:
            row = model(**{key: subject})
            rows.append(row)
        for name, value in zip(values, (first, second), strict=True):
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
    return changed


def _apply_findings(session: Session, visit: Visit, data: dict, **_) -> bool:
    """data: {key question: (judgement or None for 'Not judged', evidence)} for the questions answered."""
    return _apply_rows(visit, visit.findings, "key_question", data, ("judgement", "evidence"), VisitFinding)


def _apply_compliance(session: Session, visit: Visit, data: dict, **_) -> bool:
    """data: {compliance area: (result, notes)} for the areas answered."""
    return _apply_rows(visit, visit.compliance, "area", data, ("result", "notes"), VisitCompliance)


def _apply_outcome(session: Session, visit: Visit, data: dict, **_) -> bool:
    visit.local_rating, visit.summary = data["local_rating"], data["summary"]
    return False


STEP_SAVERS = {
    "details": _apply_details,
    "people": _apply_people,
    "findings": _apply_findings,
    "compliance": _apply_compliance,
    "outcome": _apply_outcome,
}


# The report workflow: draft → shared with the provider → final


def share_problems(visit: Visit) -> list[tuple[str, str]]:
    """What stops the report being shared, as (step, message): nothing when it is ready."""
    problems = []
    if visit.visited_on is None:
        problems.append(("details", "Enter the date of the visit"))
    judged = {finding.key_question for finding in visit.findings}
    for question in FINDING_QUESTIONS:
        if question not in judged:
            problems.append(("findings", f"Choose a judgement for {question.label}, or ‘Not judged’"))
    if visit.local_rating is None:
        problems.append(("outcome", "Choose the overall local quality rating"))
    return problems


def _check_role(by: User, allowed: frozenset[Role], message: str) -> None:
    if by.role not in allowed:
        raise ReportStateError(message)


def _check_version(session: Session, visit: Visit, expected_version: int | None) -> None:
    if expected_version is not None and visit.version_id != expected_version:
        raise EditConflict(last_change_message(session, visit), current=visit)


def share_report(
    session: Session, visit: Visit, *, by: User, today: date, policy: Policy, expected_version: int | None
) -> Visit:
    """Share a draft report with the provider, who then has the comment window for factual-accuracy comments."""
    _check_role(by, REPORT_SHARERS, "Only a QMM officer or a manager can share a report")
    if visit.status != VisitStatus.DRAFT:
        raise ReportStateError(f"Only a report in draft can be shared; this one is ‘{visit.status.label}’.")
    _check_version(session, visit, expected_version)
    problems = share_problems(visit)
    if problems:
        raise ReportIncomplete(problems)
    visit.status, visit.shared_at, visit.shared_by_id = VisitStatus.SHARED, utcnow(), by.id
    visit.comments_due_on = today + timedelta(days=policy.comment_window_days)
    flush_checked(session, {}, noun="visit")
    return visit


def comment_window_open(visit: Visit, today: date) -> bool:
    """The provider may still comment: up to and including the day comments are due."""
    return visit.comments_due_on is not None and today <= visit.comments_due_on


def finalise_report(
    session: Session, visit: Visit, *, by: User, today: date, confirm_early: bool, expected_version: int | None
) -> Visit:
    """A manager signs the shared report off; before the comment window closes only when they confirm it."""
    _check_role(by, REPORT_SIGNERS, "Only a manager can finalise a report")
    if visit.status != VisitStatus.SHARED:
        raise ReportStateError(
            f"Only a report shared with the provider can be finalised; this one is ‘{visit.status.label}’."
        )
    _check_version(session, visit, expected_version)
    if comment_window_open(visit, today) and not confirm_early:
        raise FieldError(
            "confirm_early",
            f"The provider has until {format_date(visit.comments_due_on)} to comment on the report. "
            "To finalise it before then, select ‘Finalise before the comment window closes’",
        )
    visit.status, visit.finalised_at, visit.finalised_by_id = VisitStatus.FINAL, utcnow(), by.id
    flush_checked(session, {}, noun="visit")
    return visit


def cancel_visit(
    session: Session, visit: Visit, *, by: User, reason: str | None, expected_version: int | None
) -> Visit:
    """Cancel a planned visit, saying why."""
    _check_role(by, VISIT_LOGGERS, "Only a QMM officer or a manager can cancel a visit")
    if visit.status != VisitStatus.PLANNED:
        raise ReportStateError("Only a planned visit can be cancelled; this one has been logged.")
    _check_version(session, visit, expected_version)
    if not (reason or "").strip():
        raise FieldError("reason", "Enter why the visit is cancelled")
    visit.status, visit.cancelled_reason = VisitStatus.CANCELLED, reason.strip()
    flush_checked(session, {}, noun="visit")
    return visit
