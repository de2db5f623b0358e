"""Believable CQC rating histories for the demo services: mostly Good, some declines and recoveries."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import ChangeDirection, KeyQuestion, RatingSource
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.services import ratings
from provider_monitor.services.rating_rules import Rating, Report, build_history

OUT, GOOD, RI, INAD = "Outstanding", "Good", "Requires improvement", "Inadequate"
K = KeyQuestion
# How each service's Overall moved, oldest report first, weighted so the current ratings land near
# the national adult social care shares (about 4% Outstanding, 76% Good, 18% RI, 2% Inadequate).
TRAJECTORIES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("stable good", (GOOD,), 50),
    ("improved", (RI, GOOD), 14),
    ("key question dip", (GOOD,), 8),
    ("rose to outstanding", (GOOD, OUT), 4),
    ("declined", (GOOD, RI), 10),
    ("stuck", (RI,), 6),
    ("slipped back", (GOOD, RI, GOOD, RI), 2),
    ("fell to inadequate", (GOOD, RI, INAD), 2),
    ("new", (), 4),
)


def summary_line(session: Session, today: date) -> str:
    """One line on the ratings held: current Overall shares, and the declines and improvements."""
    current = Counter(
        dict(
            session.execute(
                sa.select(RatingSnapshot.overall, sa.func.count())
                .where(RatingSnapshot.is_current)
                .group_by(RatingSnapshot.overall)
            ).all()
        )
    )
    moves = Counter(
        dict(session.execute(sa.select(RatingChange.direction, sa.func.count()).group_by(RatingChange.direction)).all())
    )
    recent = session.scalar(
        sa.select(sa.func.count(RatingChange.id)).where(
            RatingChange.direction == ChangeDirection.DECLINE, RatingChange.changed_on >= today - timedelta(days=183)
        )
    )
    shares = ", ".join(f"{label} {current[label]}" for label in (OUT, GOOD, RI, INAD))
    return (
        f"CQC ratings: {sum(current.values())} services rated; current Overall: {shares}, no published rating "
        f"{current['No published rating']}; {moves[ChangeDirection.DECLINE]} declines and "
        f"{moves[ChangeDirection.IMPROVEMENT]} improvements in the history ({recent} declines in the last 6 months)."
    )


def _link(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _key_questions(overall: str, rng: random.Random) -> dict[KeyQuestion, str]:
    """Key questions consistent with Overall (it is usually their most common rating)."""
    if overall == OUT:
        return {K.SAFE: GOOD, K.EFFECTIVE: GOOD, K.CARING: OUT, K.RESPONSIVE: rng.choice((GOOD, OUT)), K.WELL_LED: OUT}
    if overall == RI:
        return {K.SAFE: RI, K.EFFECTIVE: rng.choice((GOOD, RI)), K.CARING: GOOD, K.RESPONSIVE: GOOD, K.WELL_LED: RI}
    if overall == INAD:
        return {K.SAFE: INAD, K.EFFECTIVE: RI, K.CARING: rng.choice((GOOD, RI)), K.RESPONSIVE: RI, K.WELL_LED: INAD}
    values = dict.fromkeys((K.SAFE, K.EFFECTIVE, K.CARING, K.RESPONSIVE, K.WELL_LED), GOOD)
    if rng.random() < 0.2:
        values[rng.choice((K.EFFECTIVE, K.RESPONSIVE))] = RI
    return values


def _report_dates(rng: random.Random, registered: date, today: date, recent: bool) -> list[date]:
    """Inspection dates, newest last: sooner after a poor rating would be usual, but gaps vary anyway."""
    last = today - timedelta(days=rng.randint(14, 170) if recent else rng.randint(30, 720))
    dates = [last]
    while True:
        earlier = dates[0] - timedelta(days=rng.randint(300, 900))
        if earlier < registered + timedelta(days=150):
            break
        dates.insert(0, earlier)
    return [d for d in dates if d > registered][-6:]


def _reports(rng: random.Random, service: Service, today: date) -> list[Report]:
    name, path, _ = rng.choices(TRAJECTORIES, weights=[w for *_, w in TRAJECTORIES])[0]
    registered = service.registration_date or today - timedelta(days=3000)
    if name == "new" or registered > today - timedelta(days=300):
        return [Report(None, {q: Rating("No published rating") for q in KeyQuestion})]
    recent = name in ("declined", "fell to inadequate", "slipped back") and rng.random() < 0.4
    dates = _report_dates(rng, registered, today, recent)
    if not dates:
        return [Report(None, {q: Rating("No published rating") for q in KeyQuestion})]
    overall_by_report = list(path[:1]) * max(0, len(dates) - len(path)) + list(path)[-len(dates) :]
    reports = []
    for number, (when, overall) in enumerate(zip(dates, overall_by_report, strict=True)):
        link = _link(rng)
        values = {K.OVERALL: overall, **_key_questions(overall, rng)}
        if name == "key question dip" and number == len(dates) - 1:
            values[rng.choice((K.SAFE, K.WELL_LED))] = RI
        if number and rng.random() < 0.3:  # a focused inspection re-rates only Safe and Well-led
            values = {q: v for q, v in values.items() if q in (K.OVERALL, K.SAFE, K.WELL_LED)}
        reports.append(Report(when, {q: Rating(v, when, link) for q, v in values.items()}, link))
    if rng.random() < 0.05 and dates[-1] < today - timedelta(days=60):
        when = dates[-1] + timedelta(days=rng.randint(20, 50))
        reports.append(Report(when, {K.SAFE: Rating("Inspected but not rated", when)}, _link(rng)))
    return reports


def rate_services(session: Session, rng: random.Random, services: list[Service], today: date) -> None:
    """Record a rating history for every regulated service (the caller commits)."""
    for service in sorted((s for s in services if s.regulated), key=lambda s: s.id):
        states = build_history(_reports(rng, service, today))
        ratings.record_states(session, service.id, states, source=RatingSource.CQC_API)
