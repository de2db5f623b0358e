"""The county map's Leaflet map, built by folium and made fit for the app's Content-Security-Policy.

folium writes the map (starting view, scale bar, background tiles) as HTML and an inline script.
Its output is not served as it comes: it links Leaflet, jQuery and Bootstrap from CDNs, sets page-wide
styles in <style> blocks and runs inline scripts without a nonce. So the Leaflet files come from
static/ (installed from npm by the Makefile), folium's other libraries are left out (the map uses none
of them), its <style> blocks are dropped (static/src/scss sizes the map) and every script carries the
request's CSP nonce. The data (boundaries, points) is never inlined: static/src/js/map.mjs fetches it
from the app's GeoJSON endpoints and draws it on the map folium made.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup, escape

# Before the boundaries load: the middle of England, zoomed out.
ENGLAND_CENTRE = (52.6, -1.5)
START_ZOOM = 7

# Leaflet and its cluster plugin, as the Makefile copies them from node_modules.
SCRIPTS = ("dist/leaflet/leaflet.js", "dist/leaflet/leaflet.markercluster.js")
STYLESHEETS = (
    "dist/leaflet/leaflet.css",
    "dist/leaflet/MarkerCluster.css",
    "dist/leaflet/MarkerCluster.Default.css",
)

_STYLE_BLOCK = re.compile(r"<style\b.*?</style>", re.S | re.I)
_SCRIPT_TAG = re.compile(r"<script\b(?![^>]*\bnonce=)", re.I)
_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)


class TileFailureNotice(MacroElement):
    """When a background tile fails, mark the map's holder and show the notice that says so.

    Part of folium's script, straight after the tile layer is made: tiles start loading at once, so a
    listener added later by map.mjs (a deferred module) could miss the first failures.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.on("tileerror", function () {
                var holder = document.getElementById({{ this.holder_id|tojson }});
                var notice = document.getElementById({{ this.notice_id|tojson }});
                if (holder) { holder.dataset.tiles = "failed"; }
                if (notice) { notice.hidden = false; }
            });
        {% endmacro %}"""
    )

    def __init__(self, holder_id: str, notice_id: str):
        super().__init__()
        self._name = "TileFailureNotice"
        self.holder_id = holder_id
        self.notice_id = notice_id


class ExternalResource(RuntimeError):
    """folium linked something from outside the app; the page would break the CSP or leak requests."""


@dataclass(frozen=True)
class MapParts:
    """The pieces of folium's figure, placed by templates/county_map/index.html."""

    name: str  # the JavaScript variable holding the Leaflet map
    head: Markup  # stylesheet links
    body: Markup  # the map's element
    scripts: Markup  # Leaflet, the plugin and folium's script that makes the map


def county_map(
    *,
    tile_url: str,
    tile_attribution: str,
    static_url: Callable[[str], str],
    nonce: str,
    holder_id: str = "county-map",
    notice_id: str = "map-tiles-failed",
) -> MapParts:
    """The county map without data; with no tile URL there is no background layer at all."""
    figure = folium.Figure()
    leaflet_map = folium.Map(
        location=ENGLAND_CENTRE,
        zoom_start=START_ZOOM,
        tiles=None,
        control_scale=True,
    )
    # Per map, not on the class: folium's CDN defaults stay untouched for anyone else.
    leaflet_map.default_js = [(path, static_url(path)) for path in SCRIPTS]
    leaflet_map.default_css = [(path, static_url(path)) for path in STYLESHEETS]
    if tile_url:
        tiles = folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="Background map", max_zoom=19)
        tiles.add_child(TileFailureNotice(holder_id, notice_id))
        tiles.add_to(leaflet_map)
    figure.add_child(leaflet_map)
    figure.render()

    head = figure.header.render()
    # Only the stylesheet links and script sources of folium's head: its L_NO_TOUCH settings script, viewport
    # meta and html/body styles are for a page of folium's own, and this map sits inside a GOV.UK page.
    links = "\n".join(re.findall(r"<link\b[^>]*>", head, re.I))
    sources = "\n".join(re.findall(r"<script\b[^>]*\bsrc=[^>]*></script>", head, re.I))
    body = _STYLE_BLOCK.sub("", figure.html.render())
    script = "<script>" + figure.script.render() + "</script>"
    _refuse_external(links + sources + body + script, static_url(""))
    return MapParts(
        name=leaflet_map.get_name(),
        head=Markup(links),
        body=Markup(body),
        scripts=Markup(_with_nonce(sources + "\n" + script, nonce)),
    )


def _with_nonce(html: str, nonce: str) -> str:
    return _SCRIPT_TAG.sub(f'<script nonce="{escape(nonce)}"', html)


def _refuse_external(html: str, static_prefix: str) -> None:
    """Fail loudly if a folium upgrade brings a new CDN link, rather than serve a page that breaks."""
    outside = [url for url in _URL.findall(html) if not url.startswith(static_prefix)]
    if outside:
        raise ExternalResource(f"folium linked resources from outside the app: {outside}")
