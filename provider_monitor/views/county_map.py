"""The county map: district choropleth and services as points, each viewer seeing only what they may."""

from datetime import date

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_login import current_user

from provider_monitor.access import signed_in
from provider_monitor.enums import Sector, ServiceType
from provider_monitor.extensions import db
from provider_monitor.services import county_map

bp = Blueprint("county_map", __name__)


def _today() -> date:
    return date.today()


def _measure() -> str:
    allowed = county_map.measures_for(current_user)
    measure = request.args.get("measure")
    return measure if measure in allowed else next(iter(allowed))


@bp.get("/map")
@signed_in
def index():
    filters = county_map.MapFilters.parse(request.args)
    measure = _measure()
    figures = county_map.district_figures(db.session, current_user, filters, measure, _today())
    query = {k: v for k, v in (("service_type", filters.service_type), ("sector", filters.sector)) if v}
    return render_template(
        "county_map/index.html",
        filters=filters,
        measure=measure,
        measures=county_map.measures_for(current_user),
        figures=figures,
        service_types=ServiceType.choices(),
        sectors=[(s.value, s.label) for s in Sector],
        points_url=url_for("county_map.services_geojson", **query),
        districts_url=url_for("county_map.districts_geojson", measure=measure, **query),
        county_url=url_for("county_map.county_geojson"),
        tile_url=current_app.config.get("MAP_TILE_URL", ""),
        tile_attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
        ons_attribution=county_map.ONS_ATTRIBUTION,
    )


@bp.get("/map/services.geojson")
@signed_in
def services_geojson():
    filters = county_map.MapFilters.parse(request.args)
    collection = county_map.service_points(
        db.session, current_user, filters, _today(), lambda service_id: url_for("services.view", service_id=service_id)
    )
    return _geojson(collection)


@bp.get("/map/districts.geojson")
@signed_in
def districts_geojson():
    filters = county_map.MapFilters.parse(request.args)
    measure = _measure()
    figures = county_map.district_figures(db.session, current_user, filters, measure, _today())
    return _geojson(county_map.districts_geojson(db.session, figures, measure))


@bp.get("/map/county.geojson")
@signed_in
def county_geojson():
    return _geojson(county_map.county_geojson(db.session))


def _geojson(collection: dict):
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    return response
