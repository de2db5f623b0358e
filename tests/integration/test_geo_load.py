"""Loading ONS boundaries (`geo load`) and placing services in their district and ward by point-in-polygon."""

import json

import pytest
import shapely
import sqlalchemy as sa

from provider_monitor.extensions import db
from provider_monitor.models import Boundary, District, Service, Ward
from provider_monitor.services import care_services, geo
from tests.factories import ProviderFactory, ServiceFactory

MANSFIELD = (53.1431, -1.1979)  # Mansfield town centre
NOTTINGHAM_CITY = (52.9548, -1.1581)  # Old Market Square: the hole in the county
COUNTY_FILES = ["nottinghamshire_county", "nottinghamshire_districts", "nottinghamshire_wards"]


@pytest.fixture
def geo_dir(shared_data):
    folder = shared_data / "geo"
    if not folder.is_dir():
        pytest.skip(f"ONS boundary files not found at {folder}")
    return folder


def files(geo_dir, *names):
    return [str(geo_dir / f"{name}.geojson") for name in names]


def run_load(app, *sources):
    return app.test_cli_runner().invoke(args=["geo", "load", *sources])


def counts():
    return {
        "districts": db.session.scalar(sa.select(sa.func.count()).select_from(District)),
        "wards": db.session.scalar(sa.select(sa.func.count()).select_from(Ward)),
        "boundaries": db.session.scalar(sa.select(sa.func.count()).select_from(Boundary)),
        "placed": db.session.scalar(sa.select(sa.func.count()).where(Service.district_code.is_not(None))),
    }


def service_at(point, name):
    service = ServiceFactory(name=name, latitude=point[0], longitude=point[1])
    db.session.commit()
    return service


def ward_containing(geo_dir, point) -> str:
    """The ward whose outline holds the point, worked out straight from the file."""
    data = json.loads((geo_dir / "nottinghamshire_wards.geojson").read_text())
    here = shapely.Point(point[1], point[0])
    return next(
        f["properties"]["WD23CD"] for f in data["features"] if shapely.geometry.shape(f["geometry"]).covers(here)
    )


# --- The real Nottinghamshire files --------------------------------------------------------------------------


def test_loading_the_county_districts_and_wards(app, app_ctx, geo_dir):
    result = run_load(app, *files(geo_dir, *COUNTY_FILES))
    assert result.exit_code == 0, result.output
    assert "Loaded 7 district boundaries" in result.output
    assert "Loaded 168 ward boundaries" in result.output
    assert "Loaded 1 county boundary" in result.output
    assert db.session.get(District, "E07000174").name == "Mansfield"
    per_district = dict(
        db.session.execute(sa.select(Ward.district_code, sa.func.count()).group_by(Ward.district_code)).all()
    )
    assert per_district == {
        "E07000170": 23, "E07000171": 25, "E07000172": 20, "E07000173": 19, "E07000174": 36, "E07000175": 21,
        "E07000176": 24,
    }  # fmt: skip
    county = db.session.scalar(sa.select(Boundary).where(Boundary.kind == "county"))
    assert (county.code, county.name, county.parent_code) == ("E10000024", "Nottinghamshire", None)
    mansfield = db.session.scalar(sa.select(Boundary).where(Boundary.code == "E07000174"))
    assert mansfield.parent_code == "E10000024"
    assert shapely.from_geojson(mansfield.geojson).covers(shapely.Point(MANSFIELD[1], MANSFIELD[0]))


def test_a_service_in_mansfield_gets_mansfield_and_its_ward(app, app_ctx, geo_dir):
    service = service_at(MANSFIELD, "Market Street House")
    result = run_load(app, *files(geo_dir, *COUNTY_FILES))
    assert result.exit_code == 0, result.output
    assert "Services assigned a district: 1 (1 changed)" in result.output
    db.session.refresh(service)
    assert service.district_code == "E07000174"
    assert service.ward_code == ward_containing(geo_dir, MANSFIELD)
    assert db.session.get(Ward, service.ward_code).district_code == "E07000174"


def test_a_service_in_nottingham_city_is_reported_outside_the_county(app, app_ctx, geo_dir):
    service = service_at(NOTTINGHAM_CITY, "Old Market Square Care")
    result = run_load(app, *files(geo_dir, *COUNTY_FILES))
    assert result.exit_code == 0, result.output
    assert "Services outside the county (1): Old Market Square Care." in result.output
    db.session.refresh(service)
    assert (service.district_code, service.ward_code) == (None, None)


def test_services_without_coordinates_are_reported_with_the_fix(app, app_ctx, geo_dir):
    ServiceFactory(name="Unmapped Lodge", latitude=None, longitude=None)
    db.session.commit()
    result = run_load(app, *files(geo_dir, "nottinghamshire_districts"))
    assert result.exit_code == 0, result.output
    assert "Services without coordinates (1): Unmapped Lodge." in result.output
    assert "add latitude and longitude on the service's page; postcode lookup comes later" in result.output


def test_loading_again_changes_nothing(app, app_ctx, geo_dir):
    service_at(MANSFIELD, "Market Street House")
    first = geo.load_boundaries(db.session, files(geo_dir, *COUNTY_FILES))
    db.session.commit()
    before = counts()
    again = geo.load_boundaries(db.session, files(geo_dir, *COUNTY_FILES))
    db.session.commit()
    assert counts() == before == {"districts": 7, "wards": 168, "boundaries": 176, "placed": 1}
    assert (first.assignment.changed, again.assignment.changed) == (1, 0)


def test_wards_whose_district_is_not_loaded_are_refused(app, app_ctx, geo_dir):
    result = run_load(app, *files(geo_dir, "nottinghamshire_districts", "nottingham_city_wards"))
    assert result.exit_code == 1
    assert "Some wards are in districts that are not loaded (E06000018)" in result.output
    assert "Nothing was changed." in result.output
    assert counts()["boundaries"] == 0


def test_a_malformed_file_changes_nothing(app, app_ctx, geo_dir, tmp_path):
    run_load(app, *files(geo_dir, "nottinghamshire_districts"))
    before = counts()
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    result = run_load(app, *files(geo_dir, "nottinghamshire_wards"), str(broken))
    assert result.exit_code == 1
    assert "broken.geojson could not be read as a boundary file" in result.output
    assert counts() == before


def test_a_file_in_british_national_grid_is_converted(app, app_ctx, geo_dir, tmp_path):
    import geopandas

    projected = tmp_path / "districts_27700.geojson"
    frame = geopandas.read_file(geo_dir / "nottinghamshire_districts.geojson").to_crs("EPSG:27700")
    frame.to_file(projected, driver="GeoJSON", RFC7946="NO")
    assert "EPSG::27700" in projected.read_text()
    service = service_at(MANSFIELD, "Market Street House")
    result = run_load(app, str(projected))
    assert result.exit_code == 0, result.output
    db.session.refresh(service)
    assert service.district_code == "E07000174"


def test_projected_coordinates_without_a_crs_are_refused(app, app_ctx, geo_dir, tmp_path):
    data = json.loads((geo_dir / "nottinghamshire_districts.geojson").read_text())
    for feature in data["features"]:  # metres, as British National Grid would give, but no crs member
        geometry = shapely.affinity.scale(shapely.geometry.shape(feature["geometry"]), 1000, 1000, origin=(0, 0))
        feature["geometry"] = shapely.geometry.mapping(shapely.affinity.translate(geometry, 450000, 300000))
    unlabelled = tmp_path / "no_crs.geojson"
    unlabelled.write_text(json.dumps(data))
    result = run_load(app, str(unlabelled))
    assert result.exit_code == 1
    assert "its coordinates are not" in result.output and "EPSG:4326" in result.output
    assert counts()["boundaries"] == 0


def test_a_file_missing_the_expected_fields_is_refused(app, app_ctx, geo_dir, tmp_path):
    data = json.loads((geo_dir / "nottinghamshire_districts.geojson").read_text())
    for feature in data["features"]:
        feature["properties"] = {"areacd": feature["properties"]["LAD23CD"], "areanm": "x"}
    wrong = tmp_path / "wrong_fields.geojson"
    wrong.write_text(json.dumps(data))
    result = run_load(app, *files(geo_dir, "nottinghamshire_county"), str(wrong))
    assert result.exit_code == 1
    assert "wrong_fields.geojson has no ONS code and name fields" in result.output
    assert counts()["boundaries"] == 0


def test_services_are_placed_when_saved(app, app_ctx, geo_dir):
    geo.load_boundaries(db.session, files(geo_dir, "nottinghamshire_districts", "nottinghamshire_wards"))
    provider = ProviderFactory()
    service = care_services.create_service(
        db.session,
        {"provider_id": provider.id, "name": "New House", "service_type": "care_home", "regulated": False,
         "registration_status": "not_registered", "latitude": MANSFIELD[0], "longitude": MANSFIELD[1]},
    )  # fmt: skip
    db.session.commit()
    assert (service.district_code, service.ward_code) == ("E07000174", ward_containing(geo_dir, MANSFIELD))
    care_services.update_service(
        db.session, service, {"latitude": NOTTINGHAM_CITY[0], "longitude": NOTTINGHAM_CITY[1]},
        expected_version=service.version_id,
    )  # fmt: skip
    db.session.commit()
    assert (service.district_code, service.ward_code) == (None, None)


def test_the_api_gives_each_service_its_district_and_ward(app, app_ctx, client, login_as, geo_dir):
    service = service_at(MANSFIELD, "Market Street House")
    geo.load_boundaries(db.session, files(geo_dir, "nottinghamshire_districts", "nottinghamshire_wards"))
    db.session.commit()
    ward = db.session.get(Ward, ward_containing(geo_dir, MANSFIELD))
    login_as()
    expected = {
        "district_code": "E07000174",
        "district_name": "Mansfield",
        "ward_code": ward.code,
        "ward_name": ward.name,
    }
    one = client.get(f"/api/v1/services/{service.id}").get_json()["data"]
    assert {k: one[k] for k in expected} == expected
    listed = client.get("/api/v1/services").get_json()["data"]
    assert [{k: s[k] for k in expected} for s in listed] == [expected]


def test_boundaries_as_geojson_for_the_map(app, app_ctx, geo_dir):
    geo.load_boundaries(db.session, files(geo_dir, "nottinghamshire_districts"))
    collection = geo.boundaries_geojson(db.session, "district")
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in collection["features"]][:2] == ["Ashfield", "Bassetlaw"]
    assert collection["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert geo.boundaries_geojson(db.session, "ward")["features"] == []


# --- A made-up county, so these run without ../shared/data ----------------------------------------------------


def square(x0, y0, size, hole=None):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    rings = [ring]
    if hole:
        hx, hy, hs = hole
        rings.append([[hx, hy], [hx, hy + hs], [hx + hs, hy + hs], [hx + hs, hy], [hx, hy]])
    return {"type": "Polygon", "coordinates": rings}


def feature_collection(*features):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geometry} for props, geometry in features
    ]}  # fmt: skip


@pytest.fixture
def made_up_county(tmp_path):
    """Two districts side by side (2024 field names); the west one has a hole, like Nottingham in its county."""
    districts = feature_collection(
        ({"LAD24CD": "E07000901", "LAD24NM": "Westshire", "LAD24NMW": ""}, square(-2.0, 53.0, 1.0, (-1.6, 53.4, 0.2))),
        ({"LAD24CD": "E07000902", "LAD24NM": "Eastdale", "LAD24NMW": ""}, square(-1.0, 53.0, 1.0)),
    )
    wards = feature_collection(
        ({"WD24CD": "E05900001", "WD24NM": "West North", "LAD24CD": "E07000901"}, square(-2.0, 53.5, 1.0)),
        ({"WD24CD": "E05900002", "WD24NM": "West South", "LAD24CD": "E07000901"}, square(-2.0, 53.0, 1.0)),
        ({"WD24CD": "E05900003", "WD24NM": "East", "LAD24CD": "E07000902"}, square(-1.0, 53.0, 1.0)),
    )
    (tmp_path / "districts.geojson").write_text(json.dumps(districts))
    (tmp_path / "wards.geojson").write_text(json.dumps(wards))
    return [str(tmp_path / "wards.geojson"), str(tmp_path / "districts.geojson")]


def test_points_are_placed_by_polygon_and_holes_are_outside(app, app_ctx, made_up_county):
    west = ServiceFactory(name="West House", latitude=53.2, longitude=-1.8)
    east = ServiceFactory(name="East House", latitude=53.5, longitude=-0.5)
    in_hole = ServiceFactory(name="Hole House", latitude=53.5, longitude=-1.5)
    db.session.commit()
    result = geo.load_boundaries(db.session, made_up_county)  # wards given first: districts still load first
    db.session.commit()
    assert [(kind, n) for _, kind, n in result.layers] == [("district", 2), ("ward", 3)]
    assert (west.district_code, west.ward_code) == ("E07000901", "E05900002")
    assert (east.district_code, east.ward_code) == ("E07000902", "E05900003")
    assert (in_hole.district_code, result.assignment.outside) == (None, ["Hole House"])
    assert db.session.get(District, "E07000901").name == "Westshire"


def test_a_ward_file_with_lines_instead_of_polygons_is_refused(app, app_ctx, made_up_county, tmp_path):
    lines = feature_collection(
        ({"WD24CD": "E05900001", "WD24NM": "West", "LAD24CD": "E07000901"},
         {"type": "LineString", "coordinates": [[-2.0, 53.0], [-1.0, 53.5]]}),
    )  # fmt: skip
    (tmp_path / "lines.geojson").write_text(json.dumps(lines))
    with pytest.raises(geo.BoundaryFileError, match="LineString for E05900001, not a polygon"):
        geo.load_boundaries(db.session, [made_up_county[1], str(tmp_path / "lines.geojson")])
    assert counts()["boundaries"] == 0
