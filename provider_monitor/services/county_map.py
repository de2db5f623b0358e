"""The county map: services as GeoJSON points and a district choropleth, scoped to the viewer.

Points are served as data and drawn in the browser (Leaflet, clustered), never one server-side marker per
service, so the page stays small and fast at England scale: each point carries only what draws and filters it
(name, type, CQC Overall, the highlights), and a popup fetches the rest for one service when it opens. Overdue
visits are the daily sweep's open "visit overdue" flags, so the map, the Flags page and the e-mails agree. A
fixed number of queries, however many services.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import ChangeDirection, ConcernStatus, DueState, FlagKind, KeyQuestion, Sector, ServiceType
from provider_monitor.models.area import Boundary
from provider_monitor.models.concern import Concern
from provider_monitor.models.flag import Flag
from provider_monitor.models.provider import Provider
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services import escalations
from provider_monitor.services.geo import COUNTY, DISTRICT, boundaries_geojson
from provider_monitor.services.map_bands import band_of, bands_for
from provider_monitor.services.visibility import services_visible_to
from provider_monitor.services.visit_policy import due_dates

GOOD_OR_BETTER = ("Good", "Outstanding")
KEY_QUESTIONS = [question for question in KeyQuestion if question != KeyQuestion.OVERALL]
DECLINE_DAYS = 90
SUSPENSION_LEVEL = 3
COORDINATE_PLACES = 5  # about a metre: more digits only make the data bigger

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


def _current_overall():
    return sa.and_(RatingSnapshot.service_id == Service.id, RatingSnapshot.is_current.is_(True))


def _declined(session: Session, ids: sa.Select, today: date) -> set[int]:
    """Services whose CQC Overall rating fell in the last 90 days."""
    return set(
        session.scalars(
            sa.select(RatingChange.service_id)
            .where(
                RatingChange.service_id.in_(ids),
                RatingChange.direction == ChangeDirection.DECLINE,
                RatingChange.key_question == KeyQuestion.OVERALL,
                RatingChange.changed_on >= today - timedelta(days=DECLINE_DAYS),
            )
            .distinct()
        )
    )


def _open_flags(session: Session, ids: sa.Select) -> Counter[int]:
    return Counter(
        dict(
            session.execute(
                sa.select(Flag.service_id, sa.func.count())
                .where(Flag.service_id.in_(ids), Flag.resolved_at.is_(None))
                .group_by(Flag.service_id)
            ).all()
        )
    )


def _overdue(session: Session, ids: sa.Select) -> set[int]:
    """Services with an open "visit overdue" flag from the daily sweep."""
    return set(
        session.scalars(
            sa.select(Flag.service_id).where(
                Flag.service_id.in_(ids), Flag.kind == FlagKind.VISIT_OVERDUE, Flag.resolved_at.is_(None)
            )
        )
    )


def _open_concerns(session: Session, ids: sa.Select) -> Counter[int]:
    return Counter(
        dict(
            session.execute(
                sa.select(Concern.service_id, sa.func.count())
                .where(Concern.service_id.in_(ids), Concern.status == ConcernStatus.OPEN)
                .group_by(Concern.service_id)
            ).all()
        )
    )


def service_points(session: Session, viewer: User, filters: MapFilters, today: date) -> dict:
    """The viewer's located services as a GeoJSON FeatureCollection.

    Highlights that do not apply (no flags, no decline, not escalated) are left out of a point's properties
    rather than sent as false or 0: at England scale that is a third of the data.
    """
    ids = _visible_ids(viewer, filters)
    # Core rows, unpacked as tuples: at England scale the ORM's per-row work would be most of the time.
    rows = session.connection().execute(
        sa.select(Service.id, Service.name, Service.longitude, Service.latitude, Service.service_type,
                  RatingSnapshot.overall)
        .outerjoin(RatingSnapshot, _current_overall())
        .where(Service.id.in_(ids), Service.latitude.is_not(None), Service.longitude.is_not(None))
        .order_by(Service.name, Service.id)
    ).all()  # fmt: skip
    extras: dict[int, dict] = {row[0]: {} for row in rows}

    def mark(service_id: int, key: str, value) -> None:
        if service_id in extras:  # services without coordinates are not points
            extras[service_id][key] = value

    for service_id in _declined(session, ids, today):
        mark(service_id, "declined", True)
    if viewer.is_staff:
        # Visits, flags, concerns and escalations are the council's internal picture.
        for key, values in (("open_flags", _open_flags(session, ids)), ("open_concerns", _open_concerns(session, ids))):
            for service_id, count in values.items():
                mark(service_id, key, count)
        for service_id in _overdue(session, ids):
            mark(service_id, "overdue", True)
        for service_id, (level, suspension) in escalations.current_levels(session, ids).items():
            mark(service_id, "escalation_level", level)
            if suspension and level >= SUSPENSION_LEVEL:
                mark(service_id, "suspension", suspension.value)
    labels = {t: t.label for t in ServiceType}
    places = COORDINATE_PLACES
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, places), round(lat, places)]},
            "properties": {
                "id": service_id,
                "name": name,
                "service_type": labels[service_type],
                "cqc_overall": overall or "Not rated",
                **extras[service_id],
            },
        }
        for service_id, name, lon, lat, service_type, overall in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def service_popup(session: Session, viewer: User, service_id: int, today: date) -> dict | None:
    """What a point's popup shows, for one service the viewer may see; None for any other."""
    ids = services_visible_to(viewer).with_only_columns(Service.id).where(Service.id == service_id)
    row = session.execute(
        sa.select(Service.id, Service.name, Service.service_type, RatingSnapshot)
        .outerjoin(RatingSnapshot, _current_overall())
        .where(Service.id.in_(ids))
    ).one_or_none()
    if row is None:
        return None
    snapshot = row.RatingSnapshot
    popup = {
        "id": row.id,
        "name": row.name,
        "service_type": row.service_type.label,
        "cqc_overall": (snapshot.overall if snapshot else None) or "Not rated",
        # The five key questions, in CQC's order, where rated: [["Safe", "Good"], …].
        "key_questions": [
            [question.label, getattr(snapshot, question.value)]
            for question in KEY_QUESTIONS
            if snapshot is not None and getattr(snapshot, question.value)
        ],
    }
    if viewer.is_staff:
        due = due_dates(session, ids, today).get(row.id)
        level, suspension = escalations.current_levels(session, ids).get(row.id, (0, None))
        popup |= {
            # Worked out now, for the one service: the popup's date and "overdue" always agree.
            "next_visit_due": due.due_on.isoformat() if due else None,
            "overdue": bool(due and due.state == DueState.OVERDUE),
            "open_flags": _open_flags(session, ids)[row.id],
            "escalation_level": level,
            "suspension": suspension.value if suspension and level >= SUSPENSION_LEVEL else None,
        }
    return popup


@dataclass
class DistrictFigure:
    code: str
    name: str
    services: int
    count: int
    value: float | None  # the share (0–100) for good_or_better, else the count


def district_figures(session: Session, viewer: User, filters: MapFilters, measure: str) -> list[DistrictFigure]:
    """The chosen measure for every loaded district, over the services the viewer may see."""
    ids = _visible_ids(viewer, filters)
    names = dict(session.execute(sa.select(Boundary.code, Boundary.name).where(Boundary.kind == DISTRICT)).all())
    rows = session.execute(
        sa.select(Service.id, Service.district_code, RatingSnapshot.overall)
        .outerjoin(RatingSnapshot, _current_overall())
        .where(Service.id.in_(ids), Service.district_code.in_(list(names)))
    ).all()
    counted = _counted(session, ids, measure)
    services: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for row in rows:
        services[row.district_code] += 1
        counts[row.district_code] += int(row.overall in GOOD_OR_BETTER) if counted is None else counted[row.id]
    figures = []
    for code, name in names.items():
        if measure == "good_or_better":
            value = round(100 * counts[code] / services[code], 1) if services[code] else None
        else:
            value = counts[code]
        figures.append(DistrictFigure(code, name, services[code], counts[code], value))
    return sorted(figures, key=lambda f: f.name)


def _counted(session: Session, ids: sa.Select, measure: str) -> Counter[int] | None:
    """Per service, what the measure counts; None for the share, which the rating row gives."""
    if measure == "open_flags":
        return _open_flags(session, ids)
    if measure == "escalated":
        return Counter({sid: 1 for sid, (level, _) in escalations.current_levels(session, ids).items() if level > 0})
    if measure == "overdue":
        return Counter(dict.fromkeys(_overdue(session, ids), 1))
    return None


def district_bands(figures: list[DistrictFigure], measure: str):
    """The legend's bands for these figures."""
    return bands_for([f.value for f in figures], measure == "good_or_better")


def districts_geojson(session: Session, figures: list[DistrictFigure], measure: str) -> dict:
    """District boundaries with the measure and its shade in each feature's properties, for the choropleth."""
    collection = boundaries_geojson(session, DISTRICT)
    by_code = {f.code: f for f in figures}
    bands = district_bands(figures, measure)
    for feature in collection["features"]:
        figure = by_code.get(feature["properties"]["code"])
        band = band_of(figure.value if figure else None, bands)
        feature["properties"] |= {
            "band": band.label,
            "fill": band.colour,
            "measure": measure,
            "measure_label": MEASURES[measure],
            "value": figure.value if figure else None,
            "services": figure.services if figure else 0,
        }
    return collection


def county_geojson(session: Session) -> dict:
    """The county outline, when loaded."""
    return boundaries_geojson(session, COUNTY)
