"""The county map: the page, the services GeoJSON (scoped to the viewer, filtered) and the district measures."""

import json
from datetime import date, timedelta

import pytest

from provider_monitor.enums import FlagKind, Role, Sector, ServiceType
from provider_monitor.extensions import db
from provider_monitor.models.area import Boundary
from provider_monitor.models.base import utcnow
from provider_monitor.security import content_security_policy, tile_origin
from provider_monitor.services.county_map import ONS_ATTRIBUTION
from tests.factories import (
    ConcernFactory,
    DistrictFactory,
    EscalationFactory,
    FlagFactory,
    ProviderFactory,
    ServiceFactory,
    VisitFactory,
    rating_state,
    record_ratings,
)
from tests.helpers import counted_queries, page, table_rows, text


def square(lon, lat, size=0.1):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "MultiPolygon", "coordinates": [[ring]]})


@pytest.fixture
def districts(app_ctx):
    """Two districts with boundaries side by side: North (lat 53.1–53.2) and South (lat 52.9–53.0)."""
    north = DistrictFactory(code="E07000901", name="North Shire")
    south = DistrictFactory(code="E07000902", name="South Shire")
    for district, lat in ((north, 53.1), (south, 52.9)):
        boundary = Boundary(kind="district", code=district.code, name=district.name, parent_code=None,
                            geojson=square(-1.2, lat), label_lon=None, label_lat=None, loaded_at=utcnow())  # fmt: skip
        db.session.add(boundary)
    db.session.commit()
    return north, south


def located(district, name, lat, **kwargs):
    return ServiceFactory(name=name, latitude=lat, longitude=-1.15, district_code=district.code, **kwargs)


def features(client, query=""):
    response = client.get(f"/map/services.geojson{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    return {f["properties"]["name"]: f for f in response.get_json()["features"]}


def test_staff_see_every_located_service_with_its_monitoring_picture(client, login_as, districts):
    north, south = districts
    good = located(north, "Hill House", 53.15)
    record_ratings(good, rating_state("2026-01-10", overall="Good"))
    poor = located(south, "Vale House", 52.95)
    FlagFactory(on=poor)
    FlagFactory(on=poor, kind=FlagKind.RATING_DECLINE)
    ConcernFactory(service=poor)
    EscalationFactory(service=poor, level=3, suspension_status="amber")
    ServiceFactory(name="Nowhere House")  # no coordinates: not a point
    login_as(Role.OFFICER)

    found = features(client)

    assert set(found) == {"Hill House", "Vale House"}
    hill = found["Hill House"]
    assert hill["geometry"] == {"type": "Point", "coordinates": [-1.15, 53.15]}
    assert hill["properties"]["cqc_overall"] == "Good"
    # What does not apply is left out: no flags, no decline, no escalation.
    assert hill["properties"] == {"id": good.id, "name": "Hill House", "service_type": good.service_type.label,
                                  "cqc_overall": "Good"}  # fmt: skip
    vale = found["Vale House"]["properties"]
    assert vale["cqc_overall"] == "Not rated"
    assert (vale["open_flags"], vale["open_concerns"]) == (2, 1)
    assert (vale["escalation_level"], vale["suspension"]) == (3, "amber")
    assert "declined" not in vale


def test_overdue_is_the_daily_sweep_s_open_flag(client, login_as, districts):
    north, _ = districts
    late = located(north, "Late House", 53.15)
    FlagFactory(on=late, kind=FlagKind.VISIT_OVERDUE)
    cleared = located(north, "Cleared House", 53.16)
    FlagFactory(on=cleared, kind=FlagKind.VISIT_OVERDUE, resolved_at=utcnow())
    login_as(Role.OFFICER)

    found = features(client)

    assert found["Late House"]["properties"]["overdue"] is True
    assert "overdue" not in found["Cleared House"]["properties"]
    overdue = table_rows(page(client.get("/map?measure=overdue")), "#district-figures")
    assert overdue[0] == ["North Shire", "2", "1", "1"]


def test_a_popup_gives_one_service_s_details_to_those_who_may_see_it(client, login_as, districts):
    north, _ = districts
    mine = ProviderFactory(name="Mine Care Ltd")
    house = located(north, "Hill House", 53.15, provider=mine)
    record_ratings(house, rating_state("2026-01-10", overall="Good", safe="Requires improvement", caring="Good"))
    FlagFactory(on=house)
    EscalationFactory(service=house, level=3, suspension_status="red")
    other = located(north, "Other House", 53.16)

    login_as(Role.OFFICER)
    staff = client.get(f"/map/services/{house.id}.json").get_json()
    login_as(Role.PROVIDER, provider=mine)
    own = client.get(f"/map/services/{house.id}.json")
    elsewhere = client.get(f"/map/services/{other.id}.json")

    assert staff["name"] == "Hill House" and staff["cqc_overall"] == "Good"
    assert staff["key_questions"] == [["Safe", "Requires improvement"], ["Caring", "Good"]]
    assert staff["url"] == f"/services/{house.id}"
    assert staff["next_visit_due"] and staff["open_flags"] == 1
    assert (staff["escalation_level"], staff["suspension"]) == (3, "red")
    assert own.status_code == 200
    assert set(own.get_json()) == {"id", "name", "service_type", "cqc_overall", "key_questions", "url"}
    assert elsewhere.status_code == 404 and b"Other House" not in elsewhere.data


def test_a_decline_in_the_last_90_days_is_marked(client, login_as, districts):
    north, _ = districts
    recent = located(north, "Fell Recently", 53.15)
    recent_day = (date.today() - timedelta(days=20)).isoformat()
    record_ratings(recent, rating_state("2024-01-10", overall="Good"), rating_state(recent_day, overall="Inadequate"))
    long_ago = located(north, "Fell Long Ago", 53.16)
    record_ratings(
        long_ago, rating_state("2023-01-10", overall="Good"), rating_state("2024-01-10", overall="Inadequate")
    )
    login_as(Role.OFFICER)

    found = features(client)

    assert found["Fell Recently"]["properties"]["declined"] is True
    assert "declined" not in found["Fell Long Ago"]["properties"]


def test_a_provider_user_sees_only_their_own_services_and_no_internal_picture(client, login_as, districts):
    north, south = districts
    mine = ProviderFactory(name="Mine Care Ltd")
    located(north, "My House", 53.15, provider=mine)
    other = located(south, "Secret Other House", 52.95)
    FlagFactory(on=other)
    login_as(Role.PROVIDER, provider=mine)

    found = features(client)
    response = client.get("/map")

    assert list(found) == ["My House"]
    assert "open_flags" not in found["My House"]["properties"]
    assert "next_visit_due" not in found["My House"]["properties"]
    assert response.status_code == 200
    assert "Secret Other House" not in response.get_data(as_text=True)
    # Only the public measure: the council's monitoring measures are not offered, nor honoured.
    assert [o["value"] for o in page(response).select("#measure option")] == ["good_or_better"]
    assert "Open flags" not in text(page(client.get("/map?measure=open_flags")))
    assert page(response).select("#layer-concerns") == []
    assert page(response).select("#district-figures a") == []  # the register is for staff


def test_filters_by_service_type_and_sector(client, login_as, districts):
    north, _ = districts
    located(north, "Care Home A", 53.15, service_type=ServiceType.CARE_HOME)
    located(north, "Council Home", 53.16, service_type=ServiceType.CARE_HOME, provider__sector=Sector.COUNCIL_RUN)
    located(north, "Home Care B", 53.17, service_type=ServiceType.HOME_CARE)
    login_as(Role.OFFICER)

    assert set(features(client, "?service_type=home_care")) == {"Home Care B"}
    assert set(features(client, "?sector=council_run")) == {"Council Home"}
    assert set(features(client, "?service_type=care_home&sector=independent")) == {"Care Home A"}
    assert len(features(client, "?service_type=rubbish")) == 3


def test_the_page_shows_the_measure_by_district_and_the_attribution(client, login_as, districts):
    north, south = districts
    for name, rating in (("N1", "Good"), ("N2", "Outstanding"), ("N3", "Inadequate"), ("N4", None)):
        service = located(north, name, 53.15)
        if rating:
            record_ratings(service, rating_state("2026-01-10", overall=rating))
    flagged = located(south, "S1", 52.95)
    FlagFactory(on=flagged)
    EscalationFactory(service=flagged)
    login_as(Role.MANAGER)

    share = client.get("/map")
    flags = client.get("/map?measure=open_flags")
    escalated = client.get("/map?measure=escalated")

    assert share.status_code == 200
    assert ONS_ATTRIBUTION in text(page(share))
    assert table_rows(page(share), "#district-figures") == [
        ["North Shire", "4", "50.0%", "40% to under 60%"],
        ["South Shire", "1", "0.0%", "Under 20%"],
    ]
    assert table_rows(page(flags), "#district-figures")[1] == ["South Shire", "1", "1", "1"]
    assert table_rows(page(escalated), "#district-figures") == [
        ["North Shire", "4", "0", "None"],
        ["South Shire", "1", "1", "1"],
    ]
    # Staff go from a district to its services in the register.
    assert [a["href"] for a in page(share).select("#district-figures a")] == [
        "/services?district=E07000901",
        "/services?district=E07000902",
    ]
    # The legend names every shade of the chosen measure.
    assert "Districts: open flags – None, 1" in text(page(flags).select_one("#map-legend"))
    assert "80% or more" in text(page(share).select_one("#map-legend"))


def test_the_map_is_folium_s_with_every_resource_from_the_app_and_every_script_nonced(client, login_as, districts):
    login_as(Role.OFFICER)

    response = client.get("/map")

    html = page(response)
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    holder = html.select_one("#county-map")
    folium_map = holder.select_one("div.folium-map")
    assert folium_map["id"] == holder["data-map-name"]
    assert f"var {folium_map['id']} = L.map(" in response.get_data(as_text=True)
    sources = [s["src"] for s in html.select("script[src]")]
    assert "/static/dist/leaflet/leaflet.js" in sources and "/static/dist/map.mjs" in sources
    assert sources.index("/static/dist/leaflet/leaflet.js") < sources.index("/static/dist/map.mjs")
    for script in html.select("script"):
        assert script.get("nonce") == nonce
        assert script.get("src", "/").startswith("/")
    for link in html.select("link[href]"):
        assert link["href"].startswith("/"), link
    # folium's page-wide styles are dropped: the CSP allows no inline styles.
    assert html.select("style") == [] and html.select("[style]") == []
    assert "jquery" not in response.get_data(as_text=True).lower()


def test_the_tile_server_is_configurable_and_none_means_no_background_layer(app, client, login_as, districts):
    login_as(Role.OFFICER)
    assert "L.tileLayer(" not in client.get("/map").get_data(as_text=True)

    app.config["MAP_TILE_URL"] = "https://tiles.council.example/{z}/{x}/{y}.png"
    app.config["MAP_TILE_ATTRIBUTION"] = "Council tiles"
    try:
        response = client.get("/map")
    finally:
        app.config["MAP_TILE_URL"] = ""
        app.config["MAP_TILE_ATTRIBUTION"] = ""

    html = response.get_data(as_text=True)
    assert "L.tileLayer(" in html and '"https://tiles.council.example/{z}/{x}/{y}.png"' in html
    assert "img-src 'self' data: https://tiles.council.example;" in response.headers["Content-Security-Policy"]
    assert "Map tiles: Council tiles." in text(page(response).select_one("#map-attribution"))


def test_districts_geojson_carries_the_measure(client, login_as, districts):
    north, _ = districts
    located(north, "Late House", 53.15)  # never visited: not overdue yet on the register's first day
    login_as(Role.OFFICER)

    collection = client.get("/map/districts.geojson?measure=overdue").get_json()

    by_name = {f["properties"]["name"]: f["properties"] for f in collection["features"]}
    assert set(by_name) == {"North Shire", "South Shire"}
    assert by_name["North Shire"]["measure"] == "overdue"
    assert by_name["North Shire"]["services"] == 1
    assert by_name["South Shire"]["value"] == 0
    # The shade comes from the server, the same band the legend and table name.
    assert by_name["North Shire"]["band"] == by_name["South Shire"]["band"] == "None"
    assert by_name["South Shire"]["fill"] == "#f3f2f1"
    assert collection["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_the_map_works_without_boundaries(client, login_as):
    ServiceFactory(name="Lone House", latitude=53.0, longitude=-1.1)
    login_as(Role.OFFICER)

    response = client.get("/map")

    assert response.status_code == 200
    assert "No district boundaries are loaded yet" in text(page(response))
    assert client.get("/map/county.geojson").get_json() == {"type": "FeatureCollection", "features": []}
    assert list(features(client)) == ["Lone House"]


def test_query_count_does_not_grow_with_the_services(client, login_as, districts):
    north, south = districts
    login_as(Role.OFFICER)

    def count(path):
        with counted_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    located(north, "Only House", 53.15)
    one = (count("/map/services.geojson"), count("/map?measure=overdue"))
    for n in range(12):
        service = located(south if n % 2 else north, f"Many {n}", 52.95 if n % 2 else 53.15)
        FlagFactory(on=service)
        ConcernFactory(service=service)
        record_ratings(service, rating_state("2026-01-10", overall="Good"))
    many = (count("/map/services.geojson"), count("/map?measure=overdue"))

    assert one == many


def test_tile_origin_for_the_csp():
    assert tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_origin("/static/tiles/{z}/{x}/{y}.png") is None
    assert tile_origin("") is None
    # The tile server, and only it, is allowed to serve images besides the app.
    policy = content_security_policy("n", tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png"))
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy
    assert "img-src 'self' data:;" in content_security_policy("n")


def test_a_popup_works_out_the_next_visit_now_so_its_date_and_overdue_agree(client, login_as, districts):
    north, _ = districts
    late = located(north, "Late House", 53.15)
    record_ratings(late, rating_state("2024-01-10", overall="Good"))
    VisitFactory(service=late, visited_on=date.today() - timedelta(days=500))  # Good: due 12 months on
    login_as(Role.OFFICER)

    popup = client.get(f"/map/services/{late.id}.json").get_json()

    # No sweep has flagged it yet, but the popup says what is true today.
    assert popup["overdue"] is True
    assert date.fromisoformat(popup["next_visit_due"]) < date.today()
