"""ONS boundaries: load them from GeoJSON, and place every service in its district and ward by point-in-polygon."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas
import pandas as pd
import requests
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.models.area import Boundary, District, Ward
from provider_monitor.models.base import utcnow
from provider_monitor.models.service import Service
from provider_monitor.services.geo_fields import COUNTY, DISTRICT, KINDS, WARD, BoundaryFileError, detect_fields

ONS_CODE = re.compile(r"^[EWSNK]\d{8}$")
URL_TIMEOUT = 60
WGS84 = "EPSG:4326"
NO_COORDINATES_FIX = "add latitude and longitude on the service's page; postcode lookup comes later"


@dataclass
class Layer:
    """One boundary file, read and checked in full, not yet written."""

    source: str
    kind: str
    rows: list[dict]


@dataclass
class Assignment:
    """What placing services in districts and wards found."""

    assigned: int = 0
    changed: int = 0
    outside: list[str] = field(default_factory=list)
    without_coordinates: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    layers: list[tuple[str, str, int]]  # (source, kind, features)
    assignment: Assignment


# --- reading -------------------------------------------------------------------------------------------------


def read_source(source: str) -> geopandas.GeoDataFrame:
    """A GeoDataFrame from a file path or an http(s) URL; BoundaryFileError if it cannot be read."""
    try:
        if re.match(r"^https?://", source, re.IGNORECASE):
            response = requests.get(source, timeout=URL_TIMEOUT)
            response.raise_for_status()
            return geopandas.read_file(io.BytesIO(response.content))
        path = Path(source)
        if not path.is_file():
            raise BoundaryFileError(f"There is no file at {source}. Check the path and try again.")
        return geopandas.read_file(path)
    except BoundaryFileError:
        raise
    except requests.RequestException as error:
        raise BoundaryFileError(f"The boundaries could not be downloaded from {source}: {error}.") from None
    except Exception as error:  # pyogrio/GDAL raise several types for unreadable data
        raise BoundaryFileError(
            f"{source} could not be read as a boundary file (GeoJSON): {str(error).strip() or type(error).__name__}."
        ) from None


def _looks_geographic(bounds) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _in_wgs84(frame: geopandas.GeoDataFrame, source: str) -> geopandas.GeoDataFrame:
    """The frame in longitude/latitude; refuse coordinates whose reference system is unknown."""
    if frame.crs is None:
        if not _looks_geographic(frame.total_bounds):
            raise BoundaryFileError(
                f"{source} does not say which coordinate reference system it uses, and its coordinates are not "
                "longitude and latitude. Export it in WGS84 (EPSG:4326)."
            )
        return frame.set_crs(WGS84)
    if frame.crs.to_epsg() != 4326:
        try:
            frame = frame.to_crs(WGS84)
        except Exception as error:
            raise BoundaryFileError(f"{source} could not be converted to WGS84 (EPSG:4326): {error}.") from None
    if not _looks_geographic(frame.total_bounds):
        # GeoJSON readers assume WGS84, so a projected file without a crs member arrives here.
        raise BoundaryFileError(
            f"{source} says it is in longitude and latitude, but its coordinates are not (they look like British "
            "National Grid metres). Export it in WGS84 (EPSG:4326), or declare its coordinate reference system."
        )
    return frame


def _polygon(geometry, source: str, code: str):
    if geometry is None or geometry.is_empty:
        raise BoundaryFileError(f"{source} has no outline for {code}. Use a file where every area has a polygon.")
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    # make_valid can give a collection with stray lines; keep its polygons.
    polygons = [g for g in getattr(geometry, "geoms", [geometry]) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise BoundaryFileError(
            f"{source} has a {geometry.geom_type} for {code}, not a polygon. Use a boundary file, not points or lines."
        )
    return shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) else number


def parse_layer(frame: geopandas.GeoDataFrame, source: str) -> Layer:
    """Check a whole file (fields, codes, CRS, geometry) and turn it into rows; BoundaryFileError if not right."""
    if len(frame) == 0:
        raise BoundaryFileError(f"{source} has no areas in it. Use a file with at least one boundary.")
    fields = detect_fields(list(frame.columns), source)
    frame = _in_wgs84(frame, source)
    rows, seen = [], set()
    for record in frame.to_dict("records"):
        code = str(record.get(fields.code) or "").strip()
        name = str(record.get(fields.name) or "").strip()
        if not ONS_CODE.match(code):
            raise BoundaryFileError(f"{source} has {fields.code} {code!r}, which is not an ONS code like E07000170.")
        if not name:
            raise BoundaryFileError(f"{source} has no name ({fields.name}) for {code}.")
        if code in seen:
            raise BoundaryFileError(f"{source} has {code} more than once. Use a file with each area once.")
        seen.add(code)
        geometry = _polygon(record["geometry"], source, code)
        parent = str(record.get(fields.parent_code) or "").strip() if fields.parent_code else ""
        lon = _number(record.get(fields.label_lon)) if fields.label_lon else None
        lat = _number(record.get(fields.label_lat)) if fields.label_lat else None
        if lon is None or lat is None:
            point = geometry.representative_point()
            lon, lat = point.x, point.y
        rows.append(
            {"code": code, "name": name[:100], "parent_code": parent or None, "geometry": geometry,
             "label_lon": round(lon, 6), "label_lat": round(lat, 6)}
        )  # fmt: skip
    if fields.kind == WARD and any(r["parent_code"] is None for r in rows):
        raise BoundaryFileError(
            f"{source} is a ward file without a district code for every ward (a field like LAD23CD). "
            "Use a ward file that includes the district code."
        )
    return Layer(source=source, kind=fields.kind, rows=rows)


def read_layers(sources: list[str]) -> list[Layer]:
    """Every file read and checked before anything is written, counties first and wards last."""
    layers = [parse_layer(read_source(source), source) for source in sources]
    return sorted(layers, key=lambda layer: KINDS.index(layer.kind))


# --- writing -------------------------------------------------------------------------------------------------


def _check_ward_districts(session: Session, layers: list[Layer]) -> None:
    """Refuse wards whose district is neither loaded already nor in this load (nothing written yet)."""
    wanted = {r["parent_code"]: r for layer in layers if layer.kind == WARD for r in layer.rows}
    if not wanted:
        return
    known = {r["code"] for layer in layers if layer.kind == DISTRICT for r in layer.rows}
    known |= set(session.scalars(sa.select(District.code).where(District.code.in_(wanted))))
    missing = sorted(set(wanted) - known)
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise BoundaryFileError(
            f"Some wards are in districts that are not loaded ({shown}). Load those district boundaries first, "
            "or in the same command, or use a ward file for your county only."
        )


def _write_layer(session: Session, layer: Layer, now) -> None:
    existing = {b.code: b for b in session.scalars(sa.select(Boundary).where(Boundary.kind == layer.kind))}
    areas = {}
    if layer.kind == DISTRICT:
        areas = {d.code: d for d in session.scalars(sa.select(District))}
    elif layer.kind == WARD:
        areas = {w.code: w for w in session.scalars(sa.select(Ward))}
    for row in layer.rows:
        boundary = existing.get(row["code"]) or Boundary(kind=layer.kind, code=row["code"])
        boundary.name, boundary.parent_code = row["name"], row["parent_code"]
        boundary.geojson = shapely.to_geojson(row["geometry"])
        boundary.label_lon, boundary.label_lat, boundary.loaded_at = row["label_lon"], row["label_lat"], now
        session.add(boundary)
        if layer.kind == DISTRICT:
            area = areas.get(row["code"]) or District(code=row["code"])
            area.name = row["name"]
            session.add(area)
        elif layer.kind == WARD:
            area = areas.get(row["code"]) or Ward(code=row["code"])
            area.name, area.district_code = row["name"], row["parent_code"]
            session.add(area)
    session.flush()


def load_boundaries(session: Session, sources: list[str]) -> LoadResult:
    """Read and check every source, then upsert districts, wards and boundaries and place every service."""
    layers = read_layers(sources)
    _check_ward_districts(session, layers)
    now = utcnow()
    for layer in layers:
        _write_layer(session, layer, now)
    return LoadResult([(x.source, x.kind, len(x.rows)) for x in layers], assign_all(session))


# --- point in polygon ----------------------------------------------------------------------------------------


def _boundary_frame(session: Session, kind: str, parent_code: str | None = None) -> geopandas.GeoDataFrame:
    stmt = sa.select(Boundary.code, Boundary.parent_code, Boundary.geojson).where(Boundary.kind == kind)
    if parent_code is not None:
        stmt = stmt.where(Boundary.parent_code == parent_code)
    rows = session.execute(stmt.order_by(Boundary.code)).all()
    return geopandas.GeoDataFrame(
        {"code": [r.code for r in rows], "parent": [r.parent_code for r in rows]},
        geometry=shapely.from_geojson([r.geojson for r in rows]) if rows else [],
        crs=WGS84,
    )


def _first_match(points: geopandas.GeoDataFrame, areas: geopandas.GeoDataFrame) -> pd.DataFrame:
    """Each point's containing areas (holes respected); a point on a shared edge gets every neighbour."""
    joined = geopandas.sjoin(points, areas, how="inner", predicate="intersects")
    return joined[["key", "code", "parent"]].sort_values(["key", "code"])


def _place(session: Session, points: geopandas.GeoDataFrame, one_district: bool = False) -> dict:
    """key -> (district_code, ward_code) for the points inside a loaded district or ward; None if none loaded."""
    districts = _boundary_frame(session, DISTRICT)
    district_of = {}
    if len(districts):
        district_of = _first_match(points, districts).drop_duplicates("key").set_index("key")["code"].to_dict()
    if one_district and len(districts) and not district_of:
        return {points["key"].iat[0]: (None, None)}
    wards = _boundary_frame(session, WARD, district_of[points["key"].iat[0]] if one_district and district_of else None)
    if not len(districts) and not len(wards):
        return {}
    ward_of: dict = {}
    if len(wards):
        matches = _first_match(points, wards)
        for key, code, parent in matches.itertuples(index=False):
            # Ward outlines are generalised more than district ones: prefer a ward of the point's own district.
            if key not in ward_of or (parent == district_of.get(key) and ward_of[key][1] != district_of.get(key)):
                ward_of[key] = (code, parent)
        for key, district in district_of.items():
            if key not in ward_of or ward_of[key][1] != district:
                ward_of[key] = _nearest_ward(points, wards, key, district)
    placed = {}
    for key in points["key"]:
        ward, ward_district = ward_of.get(key, (None, None))
        district = district_of.get(key) if len(districts) else ward_district
        placed[key] = (district, ward if district is not None else None)
    return placed


def _nearest_ward(points, wards, key, district) -> tuple[str | None, str | None]:
    """The district's ward nearest the point, for points just outside the generalised ward outlines."""
    own = wards[wards["parent"] == district]
    if not len(own):
        return (None, district)
    point = points.loc[points["key"] == key, "geometry"].iat[0]
    distances = own.geometry.distance(point)
    return (own["code"].iat[int(distances.to_numpy().argmin())], district)


def _points(rows) -> geopandas.GeoDataFrame:
    rows = list(rows)
    return geopandas.GeoDataFrame(
        {"key": [r[0] for r in rows]},
        geometry=geopandas.points_from_xy([r[1] for r in rows], [r[2] for r in rows]),
        crs=WGS84,
    )


def assign_all(session: Session) -> Assignment:
    """Place every service with coordinates in its district and ward, in bulk; report the rest."""
    result = Assignment()
    rows = session.execute(
        sa.select(Service.id, Service.name, Service.longitude, Service.latitude, Service.district_code,
                  Service.ward_code).order_by(Service.name, Service.id)
    ).all()  # fmt: skip
    located = [r for r in rows if r.latitude is not None and r.longitude is not None]
    result.without_coordinates = [r.name for r in rows if r.latitude is None or r.longitude is None]
    if not located:
        return result
    placed = _place(session, _points((r.id, r.longitude, r.latitude) for r in located))
    if not placed:
        return result
    updates = []
    for r in located:
        district, ward = placed[r.id]
        if district is None:
            result.outside.append(r.name)
        else:
            result.assigned += 1
        if (district, ward) != (r.district_code, r.ward_code):
            updates.append({"b_id": r.id, "b_district": district, "b_ward": ward})
    if updates:
        table = Service.__table__
        session.execute(
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values(district_code=sa.bindparam("b_district"), ward_code=sa.bindparam("b_ward")),
            updates,
        )
        changed = {u["b_id"] for u in updates}
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Service) and obj.id in changed:
                session.expire(obj, ["district_code", "ward_code", "district", "ward", "updated_at"])
    result.changed = len(updates)
    return result


def assign_service(session: Session, service: Service) -> bool:
    """Set one service's district and ward from its coordinates; False (nothing changed) if it cannot be placed."""
    if service.latitude is None or service.longitude is None:
        return False
    placed = _place(session, _points([(0, service.longitude, service.latitude)]), one_district=True)
    if not placed:
        return False
    service.district_code, service.ward_code = placed[0]
    return placed[0][0] is not None


def boundaries_geojson(session: Session, kind: str) -> dict:
    """The loaded boundaries of one kind as a GeoJSON FeatureCollection with code and name properties."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    rows = session.execute(
        sa.select(Boundary.code, Boundary.name, Boundary.parent_code, Boundary.geojson, Boundary.label_lon,
                  Boundary.label_lat).where(Boundary.kind == kind).order_by(Boundary.code)
    ).all()  # fmt: skip
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(r.geojson),
            "properties": {
                "code": r.code,
                "name": r.name,
                "parent_code": r.parent_code,
                "label": [r.label_lon, r.label_lat] if r.label_lon is not None else None,
            },
        }  # fmt: skip
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}


__all__ = [
    "COUNTY", "DISTRICT", "WARD", "Assignment", "BoundaryFileError", "LoadResult", "assign_all", "assign_service",
    "boundaries_geojson", "load_boundaries", "read_layers",
]  # fmt: skip
