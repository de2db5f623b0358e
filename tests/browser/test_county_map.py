"""The county map in Chromium: it draws boundaries and points from the app alone (no tiles, no CDN), a layer
toggles, a popup opens and links to the service, and nothing went to another host or logged an error."""

import json
import re

import pytest

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import Provider
from provider_monitor.models.area import Boundary
from provider_monitor.models.base import utcnow
from tests import factories
from tests.browser.support import assert_clean, expect, sign_in_as

pytestmark = pytest.mark.browser


def square(lon, lat, size):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "MultiPolygon", "coordinates": [[ring]]})


@pytest.fixture
def map_records(app_ctx):
    north = factories.DistrictFactory(code="E07000901", name="North Shire")
    south = factories.DistrictFactory(code="E07000902", name="South Shire")
    for kind, code, name, geometry in (
        ("county", "E10000901", "Test Shire", square(-1.4, 52.8, 0.6)),
        ("district", north.code, north.name, square(-1.4, 53.1, 0.3)),
        ("district", south.code, south.name, square(-1.4, 52.8, 0.3)),
    ):
        db.session.add(Boundary(kind=kind, code=code, name=name, parent_code=None, geojson=geometry,
                                label_lon=None, label_lat=None, loaded_at=utcnow()))  # fmt: skip
    db.session.commit()
    good = factories.ServiceFactory(name="Hill House", latitude=53.25, longitude=-1.25, district_code=north.code)
    factories.record_ratings(good, factories.rating_state("2026-01-10", overall="Good", safe="Good"))
    poor = factories.ServiceFactory(name="Vale House", latitude=52.9, longitude=-1.25, district_code=south.code)
    factories.record_ratings(poor, factories.rating_state("2026-01-10", overall="Inadequate", safe="Inadequate"))
    factories.EscalationFactory(service=poor, level=3, suspension_status="red")
    return good, poor


def test_the_map_draws_from_the_app_alone_and_a_layer_toggles_and_a_popup_opens(page, map_records):
    sign_in_as(page, Role.OFFICER)

    page.goto("/map")
    expect(page.locator("#county-map[data-ready=true]")).to_be_attached()

    expect(page.locator("#county-map path.map-service")).to_have_count(2)
    # The county outline and the two districts are drawn although there are no background tiles.
    expect(page.locator("#county-map .leaflet-overlay-pane path")).to_have_count(3)
    expect(page.locator("#county-map .leaflet-tile")).to_have_count(0)
    expect(page.get_by_text("The background map could not be loaded.")).to_be_hidden()
    expect(page.get_by_text("Contains OS data © Crown copyright and database right 2023.").first).to_be_visible()

    rings = page.locator("#county-map path.map-ring--suspension_red")
    expect(rings).to_have_count(0)
    page.get_by_label("Suspended – red").check()
    expect(rings).to_have_count(1)
    page.get_by_label("Suspended – red").uncheck()
    expect(rings).to_have_count(0)

    page.locator("#county-map path.map-service").first.click()
    popup = page.locator("#county-map .leaflet-popup-content")
    expect(popup).to_contain_text("CQC Overall")
    expect(popup).to_contain_text("Safe")
    expect(popup).to_contain_text("Next visit due")
    name = "Hill House" if "Hill House" in popup.inner_text() else "Vale House"
    popup.get_by_role("link", name="View service").click()
    expect(page).to_have_url(re.compile(r"/services/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)

    assert_clean(page)


def test_a_provider_user_sees_only_their_own_service_on_the_map(page, map_records):
    good, _ = map_records
    sign_in_as(page, Role.PROVIDER, provider=db.session.get(Provider, good.provider_id))

    page.goto("/map")
    expect(page.locator("#county-map[data-ready=true]")).to_be_attached()

    expect(page.locator("#county-map path.map-service")).to_have_count(1)
    page.locator("#county-map path.map-service").click()
    expect(page.locator("#county-map .leaflet-popup-content")).to_contain_text("Hill House")
    expect(page.get_by_label("Suspended – red")).to_have_count(0)
    assert_clean(page)


TILES = "https://tiles.unreachable.example"
REAL_FILES = ("nottinghamshire_county", "nottinghamshire_districts", "nottinghamshire_wards")
# Real places: three in the county, one in Nottingham City (a unitary, outside the county's districts).
PLACES = {"Retford Lodge": (53.322, -0.943), "Mansfield Court": (53.143, -1.198),
          "Newark Grange": (53.076, -0.809), "City Centre House": (52.954, -1.150)}  # fmt: skip


def test_real_ons_boundaries_draw_and_points_open_when_the_tile_server_is_down(
    page, live_app, monkeypatch, shared_data
):
    from provider_monitor.services import geo

    geo.load_boundaries(db.session, [str(shared_data / "geo" / f"{name}.geojson") for name in REAL_FILES])
    for name, (lat, lon) in PLACES.items():
        factories.ServiceFactory(name=name, latitude=lat, longitude=lon)
    geo.assign_all(db.session)
    db.session.commit()
    monkeypatch.setitem(live_app.config, "MAP_TILE_URL", TILES + "/{z}/{x}/{y}.png")
    monkeypatch.setitem(live_app.config, "MAP_TILE_ATTRIBUTION", "Test tiles")
    page.route(TILES + "/**", lambda route: route.abort())  # the tile server is down
    sign_in_as(page, Role.MANAGER)

    page.goto("/map")
    expect(page.locator("#county-map[data-ready=true]")).to_be_attached()

    # Tiles were asked for and failed; the seven districts and the county outline still drew.
    expect(page.locator("#county-map[data-tiles=failed]")).to_be_attached()
    expect(page.get_by_text("The background map could not be loaded.")).to_be_visible()
    expect(page.locator("#county-map .leaflet-overlay-pane path")).to_have_count(8)
    expect(page.locator("#county-map path.map-service")).to_have_count(4)
    figures = page.locator("#district-figures tbody th")
    expect(figures).to_have_count(7)
    expect(figures.first).to_have_text("Ashfield")
    expect(page.locator("#map-attribution")).to_contain_text("Map tiles: Test tiles.")

    page.locator("#county-map path.map-service").first.click()
    expect(page.locator("#county-map .leaflet-popup-content a", has_text="View service")).to_be_visible()
    assert_clean(page, unreachable=TILES)
