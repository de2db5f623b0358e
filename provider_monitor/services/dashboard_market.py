"""The market dashboard: CQC ratings, visits against the policy, actions, escalations and flags, as tables."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import (
    RAG,
    ActionStatus,
    DueState,
    FlagKind,
    ServiceStatus,
    ServiceType,
    SuspensionStatus,
)  # fmt: skip
from provider_monitor.models.action import Action
from provider_monitor.models.area import District
from provider_monitor.models.escalation import Escalation
from provider_monitor.models.flag import Flag
from provider_monitor.models.rating import RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.visit import Visit
from provider_monitor.services.action_plans import rag_case
from provider_monitor.services.dashboards import Quarter, Table, percent
from provider_monitor.services.rating_rules import LABELS, rank
from provider_monitor.services.visit_policy import due_dates, resets_clock

NOT_RATED = "Not rated"
RATING_COLUMNS = [*LABELS.values(), NOT_RATED]  # Outstanding … Inadequate, then not rated
GOOD = 3
QUARTERS_SHOWN = 8
NO_DISTRICT = "Not assigned to a district"


@dataclass
class Market:
    """Every table of the market dashboard, for one quarter, as at one day."""

    today: date
    quarter: Quarter
    tables: list[Table]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def _active() -> sa.Select:
    return sa.select(Service.id).where(Service.status == ServiceStatus.ACTIVE)


def _rating_label(value: str | None) -> str:
    value_rank = rank(value)
    return LABELS[value_rank] if value_rank else NOT_RATED


def _ratings_table(name: str, caption: str, heading: str, counts: dict[str, Counter]) -> Table:
    rows = []
    for group in sorted(counts, key=lambda g: (g == NO_DISTRICT, g.lower())):
        counted = counts[group]
        rated = sum(counted[label] for label in LABELS.values())
        good = counted["Outstanding"] + counted["Good"]
        rows.append([group, *(counted[c] for c in RATING_COLUMNS), sum(counted.values()), percent(good, rated)])
    return Table(
        name=name, caption=caption, header=[heading, *RATING_COLUMNS, "Services", "% Good or better"], rows=rows,
        percent_column=len(RATING_COLUMNS) + 2,
        counted="Active services by the CQC Overall rating in force now. % Good or better is Good or Outstanding "
        "as a share of services with a CQC Overall rating (services not rated are left out of the share).",
    )  # fmt: skip


def current_ratings(session: Session) -> tuple[Table, Table]:
    """Ratings by district and by service type: one query."""
    overall = RatingSnapshot.overall
    rows = session.execute(
        sa.select(District.name, Service.service_type, overall, sa.func.count())
        .select_from(Service)
        .outerjoin(District, District.code == Service.district_code)
        .outerjoin(RatingSnapshot, sa.and_(RatingSnapshot.service_id == Service.id, RatingSnapshot.is_current))
        .where(Service.status == ServiceStatus.ACTIVE)
        .group_by(District.name, Service.service_type, overall)
    ).all()
    by_district: dict[str, Counter] = defaultdict(Counter)
    by_type: dict[str, Counter] = defaultdict(Counter)
    for district, service_type, value, count in rows:
        by_district[district or NO_DISTRICT][_rating_label(value)] += count
        by_type[ServiceType(service_type).label][_rating_label(value)] += count
    return (
        _ratings_table("ratings_by_district", "CQC Overall ratings by district", "District", by_district),
        _ratings_table("ratings_by_service_type", "CQC Overall ratings by service type", "Service type", by_type),
    )


def ratings_in_force(session: Session, days: list[date]) -> dict[str | None, list[int]]:
    """Active services by the stored CQC Overall in force on each day: {value: [count on each day]}. One query."""
    # In force: the latest snapshot published on or before the day (of two on one day, the later recorded).
    # Every value a dated snapshot of an active service holds is a key, even at zero, so that Python ranks
    # values (rating_rules.rank) and SQL never has to.
    following = sa.func.lead(RatingSnapshot.published_on).over(
        partition_by=RatingSnapshot.service_id, order_by=(RatingSnapshot.published_on, RatingSnapshot.id)
    )
    spans = (
        sa.select(RatingSnapshot.overall, RatingSnapshot.published_on, following.label("next_on"))
        .where(RatingSnapshot.service_id.in_(_active()), RatingSnapshot.published_on.is_not(None))
        .subquery()
    )
    in_force = [
        sa.func.count(
            sa.case((sa.and_(spans.c.published_on <= day, sa.or_(spans.c.next_on.is_(None), spans.c.next_on > day)), 1))
        )
        for day in days
    ]
    rows = session.execute(sa.select(spans.c.overall, *in_force).group_by(spans.c.overall)).all()
    return {row[0]: list(row[1:]) for row in rows}


def share_over_time(in_force: dict[str | None, list[int]], quarter: Quarter) -> Table:
    """From `ratings_in_force` on the last QUARTERS_SHOWN quarter ends."""
    rows = []
    for position, each in enumerate(quarter.last(QUARTERS_SHOWN)):
        ranked = [(rank(value), counts[position]) for value, counts in in_force.items()]
        rated = sum(count for value_rank, count in ranked if value_rank is not None)
        good = sum(count for value_rank, count in ranked if value_rank is not None and value_rank >= GOOD)
        rows.append([str(each), each.end, rated, good, percent(good, rated)])
    return Table(
        name="good_over_time", caption="Share rated Good or better over time",
        header=["Quarter", "Quarter end", "Services rated", "Good or Outstanding", "% Good or better"], rows=rows,
        percent_column=4,
        counted=f"For each of the last {QUARTERS_SHOWN} quarters: active services with a CQC Overall rating in "
        "force at the quarter end (the latest published on or before that day, from the rating history), and how "
        "many of those were Good or Outstanding.",
    )  # fmt: skip


def _routine_visits() -> sa.ColumnElement[bool]:
    """Logged visits of active services that reset the routine clock (planned, or unplanned full quality)."""
    return sa.and_(Visit.service_id.in_(_active()), resets_clock())


def compared_ratings(session: Session, rated_values: list[str]) -> list[tuple[str | None, str | None, int]]:
    """Services with a routine visit by (Overall in force on it, first rated Overall after it). One query."""
    # The visit is the service's latest routine visit that a rated snapshot followed (both None when none did).
    # `rated_values` are the stored values that rank as ratings, so SQL compares text and never ranks it.
    rated = sa.and_(RatingSnapshot.published_on.is_not(None), RatingSnapshot.overall.in_(rated_values))
    last_rated = (
        sa.select(RatingSnapshot.service_id, sa.func.max(RatingSnapshot.published_on).label("last_rated_on"))
        .where(rated)
        .group_by(RatingSnapshot.service_id)
        .subquery()
    )
    followed = sa.case((Visit.visited_on < last_rated.c.last_rated_on, Visit.visited_on))
    latest = (
        sa.select(Visit.service_id, sa.func.max(followed).label("visit_on"))
        .outerjoin(last_rated, last_rated.c.service_id == Visit.service_id)
        .where(_routine_visits())
        .group_by(Visit.service_id)
        .cte("latest")
    )
    same_service = RatingSnapshot.service_id == latest.c.service_id
    before = (
        sa.select(RatingSnapshot.overall)
        .where(same_service, RatingSnapshot.published_on <= latest.c.visit_on)
        .order_by(RatingSnapshot.published_on.desc(), RatingSnapshot.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    after = (
        sa.select(RatingSnapshot.overall)
        .where(same_service, RatingSnapshot.published_on > latest.c.visit_on, RatingSnapshot.overall.in_(rated_values))
        .order_by(RatingSnapshot.published_on, RatingSnapshot.id)
        .limit(1)
        .scalar_subquery()
    )
    compared = sa.select(before.label("before"), after.label("after")).select_from(latest).subquery("compared")
    stmt = sa.select(compared.c.before, compared.c.after, sa.func.count()).group_by(compared.c.before, compared.c.after)
    return [tuple(row) for row in session.execute(stmt)]


def before_and_after(compared: list[tuple[str | None, str | None, int]]) -> Table:
    """Each service's latest full quality visit followed by a CQC Overall: the rating before against after."""
    outcome: Counter = Counter()
    good_before = good_after = 0
    for before_value, after_value, count in compared:
        before, after = rank(before_value), rank(after_value)
        if after is None:
            outcome["no_rating_since"] += count
            continue
        if before is None:
            outcome["not_rated_before"] += count
            continue
        outcome["improved" if after > before else "declined" if after < before else "same"] += count
        good_before += count if before >= GOOD else 0
        good_after += count if after >= GOOD else 0
    rows = [
        ["Improved", outcome["improved"]], ["Stayed the same", outcome["same"]], ["Declined", outcome["declined"]],
        ["Good or better before the visit", good_before], ["Good or better at the next rating", good_after],
        ["Not rated before the visit (left out above)", outcome["not_rated_before"]],
        ["No CQC Overall published since the visit (left out above)", outcome["no_rating_since"]],
    ]  # fmt: skip
    return Table(
        name="ratings_before_after", caption="CQC ratings before and after our monitoring visits",
        header=["Services", "Count"], rows=rows, count_column=1,
        counted="Active services with at least one logged full quality visit (a planned visit, or an unplanned "
        "visit the officer marked as a full quality visit). For each, we take its latest such visit that was "
        "followed by a CQC Overall rating, and compare the CQC Overall in force on the day of the visit (the "
        "latest published on or before it) with the first CQC Overall published after it. Each service is "
        "counted once.",
    )  # fmt: skip


def visit_tables(session: Session, today: date, quarter: Quarter) -> tuple[Table, Table]:
    """Visits completed and still due in the quarter, and services by due state: due_dates plus one query."""
    dues = due_dates(session, _active(), today)
    completed_visits, completed_services = session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(Visit.service_id))).where(
            _routine_visits(), Visit.visited_on.between(quarter.start, quarter.end)
        )
    ).one()
    still_due = sum(1 for due in dues.values() if quarter.start <= due.due_on <= quarter.end)
    overdue_before = sum(1 for due in dues.values() if due.due_on < quarter.start)
    quarter_table = Table(
        name="visits_this_quarter", caption=f"Routine visits in {quarter} ({quarter.label})",
        header=["Measure", "Count"], count_column=1,
        rows=[
            ["Routine visits completed in the quarter", completed_visits],
            ["Services visited in the quarter", completed_services],
            ["Services whose routine visit falls due in the quarter, not yet done", still_due],
            ["Services due in the quarter: visited, or still due", completed_services + still_due],
            ["Services whose visit fell due before the quarter and is still outstanding", overdue_before],
        ],
        counted="Routine visits are logged visits that reset the visit clock (planned, or unplanned full quality "
        "visits), dated within the quarter. Not yet done: active services whose next routine visit (under the "
        "visit-frequency policy, as at today) falls due between the first and last day of the quarter.",
    )  # fmt: skip
    counted = Counter(due.state for due in dues.values())
    state_table = Table(
        name="visits_by_due_state", caption="Next routine visits by due state", header=["Due state", "Services"],
        rows=[[state.label, counted.get(state, 0)] for state in DueState], count_column=1,
        counted="Active services by the state of their next routine visit as at today; overdue visits are the "
        "first row.",
    )  # fmt: skip
    return quarter_table, state_table


def open_actions_by_rag(session: Session, today: date, service_ids: sa.Select) -> Table:
    rag = rag_case(today).label("rag")
    counts = dict(
        session.execute(
            sa.select(rag, sa.func.count())
            .where(Action.service_id.in_(service_ids), Action.status != ActionStatus.VERIFIED)
            .group_by(rag)
        ).all()
    )
    return Table(
        name="actions_by_rag", caption="Open actions by RAG", header=["RAG", "Open actions"], count_column=1,
        rows=[[colour.label, counts.get(colour.value, 0)] for colour in (RAG.RED, RAG.AMBER)],
        counted="Actions not yet verified complete. Red: the provider still owes something after the due date.",
    )  # fmt: skip


def escalations_by_level(session: Session) -> Table:
    rows = session.execute(
        sa.select(Escalation.level, Escalation.suspension_status, sa.func.count())
        .where(Escalation.closed_on.is_(None), Escalation.level > 0)
        .group_by(Escalation.level, Escalation.suspension_status)
    ).all()
    counts = {(level, status): count for level, status, count in rows}
    table_rows = []
    for level in range(1, 6):
        if level == 3:
            for status in (SuspensionStatus.RED, SuspensionStatus.AMBER):
                table_rows.append([f"Level 3 – {status.label}", counts.get((3, status), 0)])
        else:
            table_rows.append([f"Level {level}", counts.get((level, None), 0)])
    return Table(
        name="escalations_by_level", caption="Open escalations by level", header=["Level", "Open escalations"],
        rows=table_rows, count_column=1,
        counted="Open escalations (service and provider-wide) above level 0; level 3 split by suspension.",
    )  # fmt: skip


def open_flags_by_kind(session: Session, service_ids: sa.Select | None = None) -> Table:
    stmt = sa.select(Flag.kind, sa.func.count()).where(Flag.resolved_at.is_(None)).group_by(Flag.kind)
    if service_ids is not None:
        stmt = stmt.where(Flag.service_id.in_(service_ids))
    counts = dict(session.execute(stmt).all())
    return Table(
        name="flags_by_kind", caption="Open flags by kind", header=["Kind", "Open flags"], count_column=1,
        rows=[[kind.label, counts.get(kind, 0)] for kind in FlagKind],
        counted="Flags raised by the daily sweep and not yet resolved.",
    )  # fmt: skip


def market(session: Session, today: date, quarter: Quarter | None = None) -> Market:
    """The market dashboard: a fixed number of queries (about twelve), however many services."""
    quarter = quarter or Quarter.of(today)
    by_district, by_type = current_ratings(session)
    in_force = ratings_in_force(session, [each.end for each in quarter.last(QUARTERS_SHOWN)])
    rated_values = sorted(value for value in in_force if rank(value) is not None)
    quarter_visits, due_states = visit_tables(session, today, quarter)
    tables = [
        by_district, by_type, share_over_time(in_force, quarter), quarter_visits, due_states,
        open_actions_by_rag(session, today, _active()), escalations_by_level(session), open_flags_by_kind(session),
        before_and_after(compared_ratings(session, rated_values)),
    ]  # fmt: skip
    return Market(today=today, quarter=quarter, tables=tables)
