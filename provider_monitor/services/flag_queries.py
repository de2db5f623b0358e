"""Reading flags (the Flags page, a flag, the home page, the API) and working them: acknowledge, assign, comment.

Flags are internal: only council staff see them, and every staff role may acknowledge, assign and comment
(officers and contract managers on their caseload, managers and above across the market, admins to tidy up).
The sweep (services/flags.py) raises and resolves them; nothing here changes what a flag says.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload

from provider_monitor.enums import STAFF_ROLES, FlagKind, FlagSeverity, Role
from provider_monitor.jinja import LONDON, format_date
from provider_monitor.models.base import utcnow
from provider_monitor.models.escalation import EscalationTimer
from provider_monitor.models.flag import Flag, FlagNote
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services.actions import actor_label
from provider_monitor.services.editing import conflict_message, flush_checked
from provider_monitor.services.exceptions import DomainError, EditConflict, FieldError, NotFound
from provider_monitor.services.register import Page

MINE, ALL = "mine", "all"
OPEN, ACKNOWLEDGED, UNACKNOWLEDGED, RESOLVED, ANY = "open", "acknowledged", "unacknowledged", "resolved", "any"
STATUSES = {
    OPEN: "Open", ACKNOWLEDGED: "Open and acknowledged", UNACKNOWLEDGED: "Open, not yet acknowledged",
    RESOLVED: "Resolved",
}  # fmt: skip
SEVERITY_ORDER = {FlagSeverity.HIGH: 0, FlagSeverity.MEDIUM: 1, FlagSeverity.LOW: 2}
# Officers and contract managers work their own caseload; everyone else oversees the whole market.
CASELOAD_ROLES = frozenset({Role.OFFICER, Role.CONTRACT_MANAGER})
COMMENT_MAX = 2000
HOME_NEWEST = 10

LinkOfficer = aliased(User, name="link_officer")
Assignee = aliased(User, name="assignee")


@dataclass(frozen=True)
class FlagFilters:
    kind: str | None = None
    severity: str | None = None
    status: str = OPEN  # one of STATUSES, or ANY
    whose: str = ALL  # MINE, ALL, or a link officer's user id as text
    service_text: str | None = None
    service_id: int | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class FlagPage(Page):
    kind_counts: dict | None = None


@dataclass(frozen=True)
class SubjectLink:
    endpoint: str
    values: dict
    text: str


def default_whose(viewer: User) -> str:
    return MINE if viewer.role in CASELOAD_ROLES else ALL


def _mine(viewer: User):
    """Flags on services the viewer is link officer or contract manager of, and flags assigned to them."""
    return sa.or_(
        Service.link_officer_id == viewer.id, Service.contract_manager_id == viewer.id,
        Flag.assigned_to_id == viewer.id,
    )  # fmt: skip


def _status_condition(status: str):
    is_open = Flag.resolved_at.is_(None)
    return {
        OPEN: is_open,
        ACKNOWLEDGED: sa.and_(is_open, Flag.acknowledged_at.is_not(None)),
        UNACKNOWLEDGED: sa.and_(is_open, Flag.acknowledged_at.is_(None)),
        RESOLVED: Flag.resolved_at.is_not(None),
    }.get(status, sa.true())


def _contains(column, text: str):
    return sa.func.lower(column).contains(text.replace("\x00", "").strip().lower(), autoescape=True)


def _base(viewer: User) -> sa.Select:
    """Every flag with its provider, service, link officer and assignee joined; none for a provider user."""
    stmt = (
        sa.select(Flag)
        .join(Flag.provider)
        .outerjoin(Flag.service)
        .outerjoin(LinkOfficer, Service.link_officer_id == LinkOfficer.id)
        .outerjoin(Assignee, Flag.assigned_to_id == Assignee.id)
    )
    return stmt if viewer.is_staff else stmt.where(sa.false())


def _conditions(viewer: User, filters: FlagFilters, *, with_kind: bool = True) -> list:
    conditions = [_status_condition(filters.status)]
    if with_kind and filters.kind:
        conditions.append(Flag.kind == filters.kind)
    if filters.severity:
        conditions.append(Flag.severity == filters.severity)
    if filters.service_id:
        conditions.append(Flag.service_id == filters.service_id)
    if filters.whose == MINE:
        conditions.append(_mine(viewer))
    elif filters.whose and filters.whose.isascii() and filters.whose.isdigit():
        conditions.append(Service.link_officer_id == int(filters.whose))
    if filters.service_text:
        # A provider-wide flag has no service: its provider's name stands in.
        by_provider = sa.and_(Flag.service_id.is_(None), _contains(Provider.name, filters.service_text))
        conditions.append(sa.or_(_contains(Service.name, filters.service_text), by_provider))
    return conditions


def _ordered(stmt: sa.Select) -> sa.Select:
    """Most severe first, then the longest-standing."""
    rank = sa.case(*((Flag.severity == s, n) for s, n in SEVERITY_ORDER.items()), else_=3)
    return stmt.order_by(rank, Flag.since_on.is_(None), Flag.since_on, Flag.raised_at, Flag.id).options(
        contains_eager(Flag.provider),
        contains_eager(Flag.service).contains_eager(Service.link_officer.of_type(LinkOfficer)),
        contains_eager(Flag.assigned_to.of_type(Assignee)),
    )


def kind_counts(session: Session, viewer: User, filters: FlagFilters) -> dict[FlagKind, int]:
    """How many flags of each kind match the other filters (every kind listed, in the enum's order)."""
    stmt = _base(viewer).where(*_conditions(viewer, filters, with_kind=False))
    rows = dict(session.execute(stmt.with_only_columns(Flag.kind, sa.func.count()).group_by(Flag.kind)).all())
    return {kind: rows.get(kind, 0) for kind in FlagKind}


def search(session: Session, viewer: User, filters: FlagFilters) -> FlagPage:
    """One page of flags with counts by kind: two queries whatever the size."""
    counts = kind_counts(session, viewer, filters)
    total = counts.get(FlagKind(filters.kind), 0) if filters.kind else sum(counts.values())
    page = min(max(1, filters.page), max(1, math.ceil(total / filters.per_page)))
    stmt = _ordered(_base(viewer).where(*_conditions(viewer, filters)))
    items = list(session.scalars(stmt.limit(filters.per_page).offset((page - 1) * filters.per_page)).unique())
    return FlagPage(items=items, total=total, page=page, per_page=filters.per_page, kind_counts=counts)


def export_rows(session: Session, viewer: User, filters: FlagFilters) -> Iterator[Flag]:
    """Every flag matching the filters, in the page's order, streamed."""
    stmt = _ordered(_base(viewer).where(*_conditions(viewer, filters))).execution_options(yield_per=500)
    yield from session.scalars(stmt)


def newest_for_home(session: Session, viewer: User) -> tuple[str, dict[FlagKind, int], list[Flag]]:
    """The home page's flags: whose they are, the open ones counted by kind, and the newest few."""
    filters = FlagFilters(whose=default_whose(viewer))
    counts = kind_counts(session, viewer, filters)
    stmt = _ordered(_base(viewer).where(*_conditions(viewer, filters)))
    stmt = stmt.order_by(None).order_by(Flag.raised_at.desc(), Flag.id.desc()).limit(HOME_NEWEST)
    return filters.whose, counts, list(session.scalars(stmt).unique())


def link_officer_choices(session: Session) -> list[tuple[int, str]]:
    """People who are link officer of at least one service, by name."""
    officers = sa.select(Service.link_officer_id).where(Service.link_officer_id.is_not(None))
    stmt = sa.select(User.id, User.name).where(User.id.in_(officers)).order_by(User.name, User.id)
    return list(session.execute(stmt).tuples())


def assignee_choices(session: Session) -> list[tuple[int, str]]:
    """Active staff, with their roles."""
    stmt = (
        sa.select(User.id, User.name, User.role)
        .where(User.role.in_(sorted(STAFF_ROLES)), User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return [(user_id, f"{name} ({role.label})") for user_id, name, role in session.execute(stmt)]


def get_flag(session: Session, viewer: User, flag_id: int, *, with_notes: bool = False) -> Flag:
    """The flag with its provider, service, link officer and assignee, if the viewer is staff; else NotFound."""
    stmt = _ordered(_base(viewer).where(Flag.id == flag_id)).order_by(None)
    if with_notes:
        stmt = stmt.options(selectinload(Flag.notes))
    flag = session.scalars(stmt).unique().one_or_none()
    if flag is None:
        raise NotFound("flag")
    return flag


def note_authors(session: Session, flag: Flag) -> dict[int, str]:
    """Names of the people notes were assigned to, for the flag's history."""
    ids = {note.assigned_to_id for note in flag.notes if note.assigned_to_id}
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).tuples().all())


def subject_link(session: Session, flag: Flag) -> SubjectLink | None:
    """Where the flag's subject ("action:5", "timer:9", …) is shown."""
    kind, _, raw = flag.subject_key.partition(":")
    if not raw.isascii() or not raw.isdigit():
        return None
    number = int(raw)
    if kind == "service":
        return SubjectLink("services.view", {"service_id": number}, "The service")
    if kind == "action":
        return SubjectLink("actions.view", {"action_id": number}, "The action")
    if kind == "escalation":
        return SubjectLink("escalations.view", {"escalation_id": number}, "The escalation")
    if kind == "timer":
        escalation_id = session.scalar(sa.select(EscalationTimer.escalation_id).where(EscalationTimer.id == number))
        if escalation_id is None:
            return None
        return SubjectLink("escalations.view", {"escalation_id": escalation_id}, "The escalation and its deadlines")
    if kind == "rating_change" and flag.service_id:
        values = {"service_id": flag.service_id, "_anchor": "cqc-ratings"}
        return SubjectLink("services.view", values, "The service's CQC ratings")
    return None


# --- Words shared by the page, the CSV and the home page ----------------------------------------


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n:,} days"


def age_text(flag: Flag, today: date) -> str:
    """ "Since 1 March 2026 (43 days)" when the condition's start is known, else "Raised 3 days ago"."""
    if flag.since_on is not None:
        if flag.since_on > today:
            return f"From {format_date(flag.since_on)}"
        return f"Since {format_date(flag.since_on)} ({_days((today - flag.since_on).days)})"
    days = (today - flag.raised_at.astimezone(LONDON).date()).days
    if days <= 0:
        return "Raised today"
    return "Raised yesterday" if days == 1 else f"Raised {_days(days)} ago"


def handling_text(flag: Flag) -> str:
    """Resolved, acknowledged and who it is assigned to, in words."""
    parts = []
    if flag.resolved_at is not None:
        parts.append(f"Resolved {format_date(flag.resolved_at)}")
    parts.append(f"Acknowledged {format_date(flag.acknowledged_at)}" if flag.acknowledged_at else "Not acknowledged")
    if flag.assigned_to is not None:
        parts.append(f"assigned to {flag.assigned_to.name}")
    return "; ".join(parts)


def subject_name(flag: Flag) -> str:
    return flag.service.name if flag.service is not None else f"{flag.provider.name} (whole provider)"


# --- Working a flag ------------------------------------------------------------------------------


def _check(session: Session, flag: Flag, expected_version: int | None, doing: str) -> None:
    if expected_version is not None and expected_version != flag.version_id:
        raise EditConflict(conflict_message(session, flag, "flag"), current=flag)
    if flag.resolved_at is not None:
        raise DomainError(f"This flag was resolved on {format_date(flag.resolved_at)}: there is no need to {doing} it")


def _note(flag: Flag, by: User, action: str, text: str | None, assigned_to_id: int | None = None) -> FlagNote:
    text = (text or "").strip() or None
    if text and len(text) > COMMENT_MAX:
        raise FieldError("comment", f"Comment must be {COMMENT_MAX:,} characters or fewer")
    note = FlagNote(
        flag_id=flag.id, by_id=by.id, by_label=actor_label(by), action=action, text=text, assigned_to_id=assigned_to_id,
        at=utcnow(),
    )  # fmt: skip
    return note


def acknowledge(session: Session, flag: Flag, *, by: User, comment: str | None, expected_version: int | None) -> None:
    """Say someone has seen the flag and is on it; a comment may say what they are doing."""
    _check(session, flag, expected_version, "acknowledge")
    if flag.acknowledged_at is not None:
        raise DomainError(f"This flag was already acknowledged on {format_date(flag.acknowledged_at)}")
    session.add(_note(flag, by, "acknowledged", comment))
    flag.acknowledged_at, flag.acknowledged_by_id = utcnow(), by.id
    flush_checked(session, {}, noun="flag")


def assign(
    session: Session, flag: Flag, *, by: User, assignee_id: int | None, comment: str | None,
    expected_version: int | None,
) -> User:  # fmt: skip
    """Give the flag to an active member of staff to deal with."""
    assignee = session.get(User, assignee_id) if assignee_id else None
    if assignee is None or not assignee.is_staff or not assignee.active:
        raise FieldError("assigned_to", "Select who to assign the flag to")
    _check(session, flag, expected_version, "assign")
    session.add(_note(flag, by, "assigned", comment, assigned_to_id=assignee.id))
    flag.assigned_to_id = assignee.id
    flush_checked(session, {}, noun="flag")
    return assignee


def add_comment(session: Session, flag: Flag, *, by: User, comment: str | None) -> FlagNote:
    """A note on the flag's history; resolved flags take comments too."""
    if not (comment or "").strip():
        raise FieldError("comment", "Enter a comment")
    note = _note(flag, by, "comment", comment)
    session.add(note)
    session.flush()
    return note
