"""folium's map made fit for the CSP: resources from the app only, every script nonced, no inline styles."""

import re

import pytest

from provider_monitor.views import map_figure


def static(path: str) -> str:
    return "/static/" + path


def test_folium_s_map_links_only_the_app_s_files_and_nonces_every_script():
    parts = map_figure.county_map(tile_url="", tile_attribution="", static_url=static, nonce="n0nce")

    assert re.findall(r'href="([^"]+)"', parts.head) == [static(path) for path in map_figure.STYLESHEETS]
    assert re.findall(r'src="([^"]+)"', parts.scripts) == [static(path) for path in map_figure.SCRIPTS]
    assert parts.scripts.count("<script") == parts.scripts.count('<script nonce="n0nce"') == 3
    assert f'id="{parts.name}"' in parts.body and f"var {parts.name} = L.map(" in parts.scripts
    assert "<style" not in parts.head + parts.body + parts.scripts
    assert "L.tileLayer(" not in parts.scripts  # no tile URL: no background layer


def test_a_failing_tile_layer_shows_the_notice_from_the_moment_it_is_made():
    parts = map_figure.county_map(
        tile_url="https://tiles.example/{z}/{x}/{y}.png", tile_attribution="Tiles", static_url=static, nonce="n"
    )

    layer = re.search(r"var (tile_layer_\w+) = L\.tileLayer\(", parts.scripts)
    listens = parts.scripts.index(f'{layer[1]}.on("tileerror"')
    assert layer.start() < listens < parts.scripts.index(f"{layer[1]}.addTo({parts.name})")
    assert '"map-tiles-failed"' in parts.scripts


def test_a_resource_from_another_host_is_refused_rather_than_served(monkeypatch):
    monkeypatch.setattr(map_figure, "STYLESHEETS", ("https://cdn.example/leaflet.css",))

    def static_or_cdn(path: str) -> str:
        return path if path.startswith("https:") else static(path)

    with pytest.raises(map_figure.ExternalResource, match="cdn.example"):
        map_figure.county_map(tile_url="", tile_attribution="", static_url=static_or_cdn, nonce="n")
