"""The e-mail outbox: daily digests of new flags queued once per person and day, then sent and retried.

Queuing writes OutboxMessage rows with a natural key (INSERT … ON CONFLICT DO NOTHING), so a rerun of
the day's job never queues a second digest. Sending takes each due message in turn and claims it with
a conditional UPDATE (attempts counted, next try pushed back) committed *before* the SMTP call: a second
sender running at the same time skips it, and a crash mid-send cannot loop on the same message. A mail
failure keeps the message; it is retried 5, 10, 20… minutes later, up to MAIL_MAX_ATTEMPTS tries.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from provider_monitor.enums import FlagSeverity, Role
from provider_monitor.jinja import format_date
from provider_monitor.models.flag import Flag, OutboxMessage
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User

LONDON = ZoneInfo("Europe/London")
# Who gets a digest: the officers and contract managers whose caseload the flags are on.
DIGEST_ROLES = (Role.OFFICER, Role.CONTRACT_MANAGER)
BATCH_SIZE = 100
FIRST_RETRY = timedelta(minutes=5)
DEFAULT_MAX_ATTEMPTS = 8
ERROR_LIMIT = 2000
SEVERITY_ORDER = {FlagSeverity.HIGH: 0, FlagSeverity.MEDIUM: 1, FlagSeverity.LOW: 2}

log = logging.getLogger(__name__)


# Queuing digests


@dataclass(frozen=True)
class DigestLine:
    """One new flag as a digest lists it."""

    flag_id: int
    kind_label: str
    severity: FlagSeverity
    where: str
    evidence: str


def digest_key(user_id: int, today: date) -> str:
    return f"digest:user:{user_id}:{today.isoformat()}"


def _day_bounds(today: date) -> tuple[datetime, datetime]:
    """The council's day (Europe/London midnight to midnight) as UTC instants."""
    start = datetime.combine(today, time.min, tzinfo=LONDON)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=LONDON)
    return start.astimezone(UTC), end.astimezone(UTC)


def _new_flags(session: Session, today: date) -> list[sa.Row]:
    """Flags raised today and still open, with where they are and who looks after that service."""
    start, end = _day_bounds(today)
    return session.execute(
        sa.select(
            Flag.id,
            Flag.kind,
            Flag.severity,
            Flag.evidence,
            Flag.provider_id,
            Flag.service_id,
            Service.name.label("service_name"),
            Provider.name.label("provider_name"),
            Service.link_officer_id,
            Service.contract_manager_id,
        )
        .join(Provider, Provider.id == Flag.provider_id)
        .outerjoin(Service, Service.id == Flag.service_id)
        .where(Flag.raised_at >= start, Flag.raised_at < end, Flag.resolved_at.is_(None))
    ).all()


def _provider_staff(session: Session, provider_ids: set[int]) -> dict[int, set[int]]:
    """For provider-wide flags: everyone who is link officer or contract manager of one of its services."""
    staff: dict[int, set[int]] = defaultdict(set)
    if not provider_ids:
        return staff
    rows = session.execute(
        sa.select(Service.provider_id, Service.link_officer_id, Service.contract_manager_id).where(
            Service.provider_id.in_(provider_ids)
        )
    )
    for provider_id, link_officer_id, contract_manager_id in rows:
        staff[provider_id].update(i for i in (link_officer_id, contract_manager_id) if i is not None)
    return staff


def _lines_by_user(session: Session, today: date) -> dict[int, list[DigestLine]]:
    flags = _new_flags(session, today)
    provider_staff = _provider_staff(session, {f.provider_id for f in flags if f.service_id is None})
    lines: dict[int, list[DigestLine]] = defaultdict(list)
    for f in flags:
        if f.service_id is None:
            owners = provider_staff.get(f.provider_id, set())
            where = f"{f.provider_name} (provider-wide)"
        else:
            owners = {i for i in (f.link_officer_id, f.contract_manager_id) if i is not None}
            where = f"{f.service_name} ({f.provider_name})"
        line = DigestLine(f.id, f.kind.label, f.severity, where, f.evidence)
        for user_id in owners:
            lines[user_id].append(line)
    return lines


def _subject(count: int, today: date) -> str:
    return f"Provider Monitor: {count} new flag{'' if count == 1 else 's'} on {format_date(today)}"


def digest_body(user: User, lines: Iterable[DigestLine], today: date, base_url: str = "") -> str:
    """The plain-text digest: most severe first, each flag with its evidence and a link."""
    ordered = sorted(lines, key=lambda line: (SEVERITY_ORDER.get(line.severity, 9), line.kind_label, line.where))
    count = len(ordered)
    parts = [
        f"Hello {user.name},",
        "",
        f"{count} new flag{' was' if count == 1 else 's were'} raised on {format_date(today)} "
        "for services on your caseload.",
        "",
    ]
    for line in ordered:
        parts += [
            f"{line.kind_label} ({line.severity.label.lower()} severity): {line.where}",
            line.evidence,
            f"{base_url.rstrip('/')}/flags/{line.flag_id}",
            "",
        ]
    parts.append("You get this e-mail because you are the link officer or contract manager for these services.")
    return "\n".join(parts) + "\n"


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def queue_digests(session: Session, *, today: date, base_url: str = "") -> int:
    """Queue one digest per officer or contract manager with flags raised today on their services; flush only.

    Keyed "digest:user:<id>:<day>" and inserted with ON CONFLICT DO NOTHING, so a rerun queues nothing.
    Only flags still open are listed (one that cleared the same day needs nobody). Returns how many were queued.
    """
    lines = _lines_by_user(session, today)
    if not lines:
        return 0
    users = session.scalars(
        sa.select(User).where(User.id.in_(lines), User.active.is_(True), User.role.in_(DIGEST_ROLES)).order_by(User.id)
    ).all()
    insert = _insert(session)
    queued = 0
    for user in users:
        user_lines = lines[user.id]
        stmt = (
            insert(OutboxMessage)
            .values(
                key=digest_key(user.id, today),
                to_address=user.email,
                subject=_subject(len(user_lines), today),
                body=digest_body(user, user_lines, today, base_url),
            )
            .on_conflict_do_nothing(index_elements=["key"])
            # RETURNING, not rowcount: the ORM's insert path on psycopg reports rowcount -1.
            .returning(OutboxMessage.id)
        )
        queued += session.execute(stmt).first() is not None
    session.flush()
    return queued


# Sending


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the given number of failed tries: 5, 10, 20… minutes."""
    return FIRST_RETRY * 2 ** max(attempts - 1, 0)


def _max_attempts(given: int | None) -> int:
    if given is not None:
        return given
    if has_app_context():
        return int(current_app.config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    return DEFAULT_MAX_ATTEMPTS


def _due(now: datetime):
    return (
        OutboxMessage.sent_at.is_(None),
        sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def _claim(session: Session, message_id: int, attempts: int, now: datetime, max_attempts: int) -> bool:
    """Count this try and push the next one back, unless another sender got there first."""
    tries = attempts + 1
    next_at = now + retry_delay(tries) if tries < max_attempts else None
    result = session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts, *_due(now))
        .values(attempts=tries, next_attempt_at=next_at)
    )
    return result.rowcount == 1


def _error_text(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text[:ERROR_LIMIT]


def send_due(
    session: Session,
    *,
    now: datetime,
    sender: Callable[[str, str, str], None],
    commit: Callable[[], None] | None = None,
    max_attempts: int | None = None,
    limit: int = BATCH_SIZE,
) -> SendResult:
    """Send unsent messages that are due, oldest first; COMMITS per message (commit defaults to session.commit).

    A sent e-mail cannot be unsent, so each message's outcome is committed before the next is tried:
    first the claim (attempts + 1, next try at now + 5, 10, 20… minutes), then sent_at on success or
    last_error on failure (any exception from the sender: refused, timeout, connection). A message that
    has failed MAIL_MAX_ATTEMPTS times (max_attempts, else app config) stays unsent with its error,
    next_attempt_at empty, for admins to see. A crash after the SMTP call but before the commit means
    that message may be sent again later (at least once, never lost).
    """
    commit = commit or session.commit
    max_attempts = _max_attempts(max_attempts)
    rows = session.execute(
        sa.select(
            OutboxMessage.id,
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.attempts,
        )
        .where(*_due(now), OutboxMessage.attempts < max_attempts)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for row in rows:
        if not _claim(session, row.id, row.attempts, now, max_attempts):
            continue
        commit()
        try:
            sender(row.to_address, row.subject, row.body)
        except Exception as exc:  # any mail failure keeps the message for a retry
            # The message id, not the address: logs should not collect staff e-mail addresses.
            log.warning("outbox message %s not sent (try %s): %s", row.id, row.attempts + 1, exc)
            session.execute(
                sa.update(OutboxMessage).where(OutboxMessage.id == row.id).values(last_error=_error_text(exc))
            )
            failed += 1
        else:
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(sent_at=now, next_attempt_at=None, last_error=None)
            )
            sent += 1
        commit()
    return SendResult(sent=sent, failed=failed)
