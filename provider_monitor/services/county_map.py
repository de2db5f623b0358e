"""The county map: services as GeoJSON points and a district choropleth, scoped to the viewer.

Points are served as data and drawn in the browser (Leaflet, clustered), never one server-side marker per
service, so the page stays small and fast at England scale. A fixed number of queries, however many services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import ChangeDirection, ConcernStatus, DueState, KeyQuestion, Sector, ServiceType
from provider_monitor.models.concern import Concern
from provider_monitor.models.flag import Flag
from provider_monitor.models.provider import Provider
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services import escalations
from provider_monitor.services.geo import COUNTY, DISTRICT, boundaries_geojson
from provider_monitor.services.visibility import services_visible_to
from provider_monitor.services.visit_policy import due_dates

GOOD_OR_BETTER = ("Good", "Outstanding")
DECLINE_DAYS = 90
SUSPENSION_LEVEL = 3

# Measure → label. The last three are the council's monitoring picture: staff only.
MEASURES = {
    "good_or_better": "Share rated Good or Outstanding",
    "open_flags": "Open flags",
    "escalated": "Services under escalation",
    "overdue": "Overdue visits",
}
PROVIDER_MEASURES = ("good_or_better",)

ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2023."
)


@dataclass(frozen=True)
class MapFilters:
    service_type: str | None = None
    sector: str | None = None

    @classmethod
    def parse(cls, args) -> MapFilters:
        """Known values only; anything else is ignored rather than an error."""
        service_type = args.get("service_type") or None
        sector = args.get("sector") or None
        return cls(
            service_type=service_type if service_type in {t.value for t in ServiceType} else None,
            sector=sector if sector in {s.value for s in Sector} else None,
        )


def measures_for(viewer: User) -> dict[str, str]:
    """The measures this viewer may choose."""
    return {k: v for k, v in MEASURES.items() if viewer.is_staff or k in PROVIDER_MEASURES}


def _visible_ids(viewer: User, filters: MapFilters) -> sa.Select:
    stmt = services_visible_to(viewer).with_only_columns(Service.id)
    if filters.service_type:
        stmt = stmt.where(Service.service_type == ServiceType(filters.service_type))
    if filters.sector:
        stmt = stmt.where(
            Service.provider_id.in_(sa.select(Provider.id).where(Provider.sector == Sector(filters.sector)))
        )
    return stmt


@dataclass
class _Facts:
    """What the map shows about each service, gathered in a fixed number of queries."""

    rows: list
    due: dict
    open_flags: dict[int, int]
    open_concerns: dict[int, int]
    declined: set[int]
    levels: dict


def _facts(session: Session, viewer: User, filters: MapFilters, today: date, *, located_only: bool) -> _Facts:
    ids = _visible_ids(viewer, filters)
    stmt = (
        sa.select(Service.id, Service.name, Service.latitude, Service.longitude, Service.district_code,
                  Service.service_type, RatingSnapshot.overall)
        .outerjoin(RatingSnapshot, sa.and_(RatingSnapshot.service_id == Service.id,
                                           RatingSnapshot.is_current.is_(True)))
        .where(Service.id.in_(ids))
        .order_by(Service.name, Service.id)
    )  # fmt: skip
    if located_only:
        stmt = stmt.where(Service.latitude.is_not(None), Service.longitude.is_not(None))
    rows = session.execute(stmt).all()
    since = today - timedelta(days=DECLINE_DAYS)
    declined = set(
        session.scalars(
            sa.select(RatingChange.service_id)
            .where(
                RatingChange.service_id.in_(ids),
                RatingChange.direction == ChangeDirection.DECLINE,
                RatingChange.key_question == KeyQuestion.OVERALL,
                RatingChange.changed_on >= since,
            )
            .distinct()
        )
    )
    if not viewer.is_staff:
        # Visits, flags, concerns and escalations are the council's internal picture.
        return _Facts(rows, {}, {}, {}, declined, {})
    open_flags = dict(
        session.execute(
            sa.select(Flag.service_id, sa.func.count())
            .where(Flag.service_id.in_(ids), Flag.resolved_at.is_(None))
            .group_by(Flag.service_id)
        ).all()
    )
    open_concerns = dict(
        session.execute(
            sa.select(Concern.service_id, sa.func.count())
            .where(Concern.service_id.in_(ids), Concern.status == ConcernStatus.OPEN)
            .group_by(Concern.service_id)
        ).all()
    )
    return _Facts(
        rows,
        due_dates(session, ids, today),
        open_flags,
        open_concerns,
        declined,
        escalations.current_levels(session, ids),
    )


def service_points(session: Session, viewer: User, filters: MapFilters, today: date, service_url) -> dict:
    """The viewer's located services as a GeoJSON FeatureCollection; `service_url(id)` links each to its page."""
    facts = _facts(session, viewer, filters, today, located_only=True)
    features = []
    for row in facts.rows:
        properties = {
            "id": row.id,
            "name": row.name,
            "url": service_url(row.id),
            "service_type": row.service_type.label,
            "cqc_overall": row.overall or "Not rated",
            "declined": row.id in facts.declined,
        }
        if viewer.is_staff:
            due = facts.due.get(row.id)
            level, suspension = facts.levels.get(row.id, (0, None))
            properties |= {
                "next_visit_due": due.due_on.isoformat() if due else None,
                "overdue": bool(due and due.state == DueState.OVERDUE),
                "open_flags": facts.open_flags.get(row.id, 0),
                "open_concerns": facts.open_concerns.get(row.id, 0),
                "escalation_level": level,
                "suspension": suspension.value if suspension and level >= SUSPENSION_LEVEL else None,
            }
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row.longitude, row.latitude]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


@dataclass
class DistrictFigure:
    code: str
    name: str
    services: int
    count: int
    value: float | None  # the share (0–100) for good_or_better, else the count


def district_figures(
    session: Session, viewer: User, filters: MapFilters, measure: str, today: date
) -> list[DistrictFigure]:
    """The chosen measure for every loaded district, over the services the viewer may see."""
    facts = _facts(session, viewer, filters, today, located_only=False)
    names = dict(session.execute(_district_names()).all())
    totals: dict[str, list[int]] = {code: [0, 0] for code in names}
    for row in facts.rows:
        if row.district_code not in totals:
            continue
        total = totals[row.district_code]
        total[0] += 1
        total[1] += _counts(measure, row, facts)
    figures = []
    for code, (services, count) in totals.items():
        if measure == "good_or_better":
            value = round(100 * count / services, 1) if services else None
        else:
            value = count
        figures.append(DistrictFigure(code, names[code], services, count, value))
    return sorted(figures, key=lambda f: f.name)


def _district_names() -> sa.Select:
    from provider_monitor.models.area import Boundary

    return sa.select(Boundary.code, Boundary.name).where(Boundary.kind == DISTRICT)


def _counts(measure: str, row, facts: _Facts) -> int:
    if measure == "good_or_better":
        return int(row.overall in GOOD_OR_BETTER)
    if measure == "open_flags":
        return facts.open_flags.get(row.id, 0)
    if measure == "escalated":
        return int(facts.levels.get(row.id, (0, None))[0] > 0)
    due = facts.due.get(row.id)
    return int(bool(due and due.state == DueState.OVERDUE))


def districts_geojson(session: Session, figures: list[DistrictFigure], measure: str) -> dict:
    """District boundaries with the measure in each feature's properties, for the choropleth."""
    collection = boundaries_geojson(session, DISTRICT)
    by_code = {f.code: f for f in figures}
    for feature in collection["features"]:
        figure = by_code.get(feature["properties"]["code"])
        feature["properties"] |= {
            "measure": measure,
            "measure_label": MEASURES[measure],
            "value": figure.value if figure else None,
            "services": figure.services if figure else 0,
        }
    return collection


def county_geojson(session: Session) -> dict:
    """The county outline, when loaded."""
    return boundaries_geojson(session, COUNTY)
