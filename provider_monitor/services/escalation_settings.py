"""The escalation rules admins edit: the least senior role that may decide at each level, and the timers."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import Role
from provider_monitor.models.base import utcnow
from provider_monitor.models.escalation import EscalationAuthority, EscalationSettings
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services.audit import SettingsChange, settings_changes
from provider_monitor.services.editing import apply_changes, flush_checked
from provider_monitor.services.escalation_rules import role_words
from provider_monitor.services.escalations import SETTINGS_ID, TIMER_FIELDS
from provider_monitor.services.exceptions import FieldError


@dataclass(frozen=True)
class TimerLimit:
    """What a timer is called, the values allowed and the unit it runs in."""

    name: str
    minimum: int
    maximum: int
    unit: str


TIMER_LIMITS = {
    "suspension_letter_working_days": TimerLimit("Suspension letter", 1, 30, "working days"),
    "suspension_review_weeks": TimerLimit("Suspension review", 1, 12, "weeks"),
    "appeal_working_days": TimerLimit("Provider appeal", 1, 30, "working days"),
    "due_soon_days": TimerLimit("Due soon warning", 0, 30, "days"),
}


def authority_field(level: int) -> str:
    """The form field (and FieldError field) for a level's authority."""
    return f"authority_{level}"


def deciding_roles() -> list[Role]:
    """The roles that can hold authority, least senior first."""
    return sorted(rules.SENIORITY, key=rules.SENIORITY.get)


def role_problem(level: int, role: Role | None) -> str | None:
    """Why this role cannot hold the authority for a level, or None."""
    if role in rules.SENIORITY:
        return None
    names = [role_words(r) for r in deciding_roles()]
    return f"Level {level} needs a role that takes escalation decisions: {', '.join(names[:-1])} or {names[-1]}"


def authority_problems(authority: dict[int, Role]) -> dict[int, str]:
    """Level → why its authority is not allowed; authority must not get less senior as the level rises."""
    problems = {}
    for level in sorted(authority):
        problem = role_problem(level, authority[level])
        if problem:
            problems[level] = problem
    for level in sorted(authority):
        if level in problems:
            continue
        lower = [below for below in authority if below < level and below not in problems]
        if not lower:
            continue
        # The nearest of the most senior lower levels: the one the admin most likely compares with.
        most_senior = max(lower, key=lambda below: (rules.SENIORITY[authority[below]], below))
        if rules.SENIORITY[authority[level]] < rules.SENIORITY[authority[most_senior]]:
            problems[level] = (
                f"Level {level} needs a role at least as senior as level {most_senior} "
                f"({role_words(authority[most_senior])})"
            )
    return problems


def timer_problem(field: str, value: int) -> str | None:
    """Why a timer length is out of range, or None."""
    limit = TIMER_LIMITS[field]
    if limit.minimum <= value <= limit.maximum:
        return None
    return f"{limit.name} must be between {limit.minimum} and {limit.maximum} {limit.unit}"


def check_rules(authority: dict[int, Role], timers: dict[str, int]) -> None:
    """Refuse the first thing wrong with the rules (lowest level first, then timers in form order)."""
    problems = authority_problems(authority)
    if problems:
        level = min(problems)
        raise FieldError(authority_field(level), problems[level])
    for field in TIMER_FIELDS:
        if field in timers:
            problem = timer_problem(field, timers[field])
            if problem:
                raise FieldError(field, problem)


def stored_rows(session: Session) -> tuple[dict[int, EscalationAuthority], EscalationSettings]:
    """The rows the admin edits, created from the design's defaults where missing (flushed, not committed)."""
    authority = {row.level: row for row in session.scalars(sa.select(EscalationAuthority))}
    for level, role in rules.DEFAULT_AUTHORITY.items():
        if level not in authority:
            authority[level] = EscalationAuthority(level=level, role=role)
            session.add(authority[level])
    settings = session.get(EscalationSettings, SETTINGS_ID)
    if settings is None:
        settings = EscalationSettings(id=SETTINGS_ID, **vars(rules.TimerSettings()))
        session.add(settings)
    session.flush()
    return authority, settings


def rules_version(session: Session) -> int | None:
    """The version of the whole page's rules: the settings row's, None before it exists."""
    settings = session.get(EscalationSettings, SETTINGS_ID)
    return settings.version_id if settings else None


def update_rules(
    session: Session, authority: dict[int, Role], timers: dict[str, int], *, expected_version: int | None
) -> dict:
    """Save the admin's rules; refused as a conflict if someone saved them since they were opened.

    Returns what changed: {field name: (old, new)}, authority under 'authority_<level>'.
    """
    unknown = set(authority) - set(rules.LEVELS) or set(timers) - set(TIMER_FIELDS)
    if unknown:
        raise ValueError(f"Not an escalation rule: {sorted(map(str, unknown))}")
    rows, settings = stored_rows(session)
    check_rules({level: authority.get(level, row.role) for level, row in rows.items()}, timers)
    changed = apply_changes(session, settings, timers, expected_version=expected_version, noun="escalation rules")
    for level, role in sorted(authority.items()):
        if rows[level].role != role:
            changed[authority_field(level)] = (rows[level].role, role)
            rows[level].role = role
    if changed and not session.is_modified(settings):
        # A change of authority alone still moves the page's version, so a stale editor is caught.
        settings.updated_at = utcnow()
    flush_checked(session, {}, noun="escalation rules")
    return changed


def changes(session: Session, limit: int = 20) -> list[SettingsChange]:
    """Who changed the escalation rules and what, newest first: `part` is the level changed, None for timers."""
    return settings_changes(session, EscalationAuthority.level, "escalation_settings", limit)


def describe(change: SettingsChange) -> list[str]:
    """A change in words: 'Level 3 (Suspension of new placements): Head of service → Director'."""
    if change.part is not None:
        old, new = change.changes.get("role", (None, None))
        return [f"Level {change.part} ({rules.LEVELS[change.part]}): {_role_label(old)} → {_role_label(new)}"]
    return [
        f"{TIMER_LIMITS[name].name}: {change.changes[name][0]} → {change.changes[name][1]} {TIMER_LIMITS[name].unit}"
        for name in TIMER_FIELDS
        if name in change.changes
    ]


def _role_label(value) -> str:
    try:
        return Role(value).label
    except ValueError:
        return str(value)
