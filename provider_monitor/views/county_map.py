"""The county map: district choropleth and services as points, each viewer seeing only what they may."""

import json
from datetime import date

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request, url_for
from flask_login import current_user

from provider_monitor.access import signed_in
from provider_monitor.enums import Sector, ServiceType
from provider_monitor.extensions import db
from provider_monitor.services import county_map, map_bands
from provider_monitor.views import map_figure

bp = Blueprint("county_map", __name__)
POPUP_ID = 987654321  # stands for any service's id in the popup URL the page gives the script


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
    figures = county_map.district_figures(db.session, current_user, filters, measure)
    query = {k: v for k, v in (("service_type", filters.service_type), ("sector", filters.sector)) if v}
    tile_url = current_app.config.get("MAP_TILE_URL", "")
    tile_attribution = current_app.config.get("MAP_TILE_ATTRIBUTION", "")
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
        popup_url=url_for("county_map.service_popup", service_id=POPUP_ID).replace(str(POPUP_ID), "{id}"),
        bands=county_map.district_bands(figures, measure),
        band_of=map_bands.band_of,
        no_services=map_bands.NO_SERVICES,
        leaflet_map=map_figure.county_map(
            tile_url=tile_url,
            tile_attribution=tile_attribution,
            static_url=lambda path: url_for("static", filename=path),
            nonce=g.csp_nonce,
        ),
        tile_url=tile_url,
        tile_attribution=tile_attribution,
        ons_attribution=county_map.ONS_ATTRIBUTION,
    )


@bp.get("/map/services.geojson")
@signed_in
def services_geojson():
    filters = county_map.MapFilters.parse(request.args)
    collection = county_map.service_points(db.session, current_user, filters, _today())
    # Compact and unsorted: at England scale the points are most of what the map downloads.
    response = current_app.response_class(json.dumps(collection, separators=(",", ":")))
    response.mimetype = "application/geo+json"
    return response


@bp.get("/map/services/<int:service_id>.json")
@signed_in
def service_popup(service_id: int):
    popup = county_map.service_popup(db.session, current_user, service_id, _today())
    if popup is None:
        abort(404)
    return jsonify(popup | {"url": url_for("services.view", service_id=service_id)})


@bp.get("/map/districts.geojson")
@signed_in
def districts_geojson():
    filters = county_map.MapFilters.parse(request.args)
    measure = _measure()
    figures = county_map.district_figures(db.session, current_user, filters, measure)
    return _geojson(county_map.districts_geojson(db.session, figures, measure))


@bp.get("/map/county.geojson")
@signed_in
def county_geojson():
    return _geojson(county_map.county_geojson(db.session))


def _geojson(collection: dict):
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    return response
