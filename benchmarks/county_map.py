"""Benchmark: the county map at 3,000 and 30,000 services against folium's naive map of the same points (`make bench`).

    .venv/bin/python -m benchmarks.county_map [--quick] [--repeats 5] [--naive-repeats 2]

Builds 3,000 services (1/10 of England) with visits, actions, escalations, concerns and rating history (the flag
sweep's builders), runs the flag sweep, and gives each district a boundary. Then, for a manager, times the map as
the app serves it (the folium-built page, then the services, districts and county GeoJSON it fetches) and the
naive way (one folium Marker per service, with its popup, in a MarkerCluster, the districts inlined as GeoJSON,
the whole HTML rendered by folium) from the same data, and measures what each sends to the browser. Then grows
to 30,000 services and does the same. Prints a Markdown report on stdout (progress on stderr). Nothing is
asserted on.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import time
from dataclasses import dataclass, field

import folium
import sqlalchemy as sa
from flask import url_for
from folium.plugins import MarkerCluster

from benchmarks.data import Scale, bulk_insert, district_plan
from benchmarks.environment import bench_environment, signed_in_client
from benchmarks.measure import Stopwatch, machine_load, ms, progress
from benchmarks.runs import FULL, QUICK, GrowingRun
from benchmarks.sweep import clear_flags, grow, sweep_once
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import District, Service, User
from provider_monitor.models.area import Boundary
from provider_monitor.models.base import utcnow
from provider_monitor.services import county_map, visit_policy

URLS = ("/map", "/map/services.geojson", "/map/districts.geojson?measure=good_or_better", "/map/county.geojson")
RATING_COLOURS = {"Outstanding": "green", "Good": "blue", "Requires improvement": "orange", "Inadequate": "red"}


@dataclass
class Served:
    """One way of building the map: server time per round, and what the browser receives."""

    seconds: list[float]
    bytes: int
    gzip_bytes: int

    @property
    def median_ms(self) -> float:
        ordered = sorted(self.seconds)
        return 1000 * ordered[len(ordered) // 2]


@dataclass
class Figures:
    services: int
    points: int
    app: Served
    naive: Served
    parts: dict[str, int]  # URL → bytes


@dataclass
class Run(GrowingRun):
    figures: list[Figures] = field(default_factory=list)


def circle(lat: float, lon: float, km: float = 12.0, sides: int = 48) -> str:
    """A district stand-in: a 48-sided polygon around its main town, as GeoJSON."""
    ring = []
    for step in range(sides + 1):
        angle = 2 * math.pi * step / sides
        ring.append([round(lon + km / 70 * math.cos(angle), 5), round(lat + km / 111 * math.sin(angle), 5)])
    return json.dumps({"type": "MultiPolygon", "coordinates": [[ring]]})


def add_boundaries(run: Run) -> None:
    """A boundary for every district the register uses (the real files cover one county only)."""
    with run.env.app.app_context():
        session = db.session
        session.query(Boundary).delete()
        rows = []
        for index, (code,) in enumerate(session.query(District.code).order_by(District.code)):
            town = district_plan(int(code[3:]) - 1).towns[0]
            rows.append({"id": index + 1, "kind": "district", "code": code, "name": code, "parent_code": None,
                         "geojson": circle(town.lat, town.lon), "label_lon": None, "label_lat": None,
                         "loaded_at": utcnow()})  # fmt: skip
        bulk_insert(session, Boundary, rows)
        session.commit()


def measure_app(run: Run, client) -> tuple[Served, dict[str, int]]:
    """Every request the map page makes to the app, timed together, round by round."""
    sizes: dict[str, int] = {}
    rounds = []
    for round_ in range(run.options.warmups + run.options.repeats):
        with Stopwatch() as watch:
            bodies = [client.get(url) for url in URLS]
        for url, response in zip(URLS, bodies, strict=True):
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")
            sizes[url] = len(response.data)
        if round_ >= run.options.warmups:
            rounds.append(watch.seconds)
    zipped = sum(len(gzip.compress(client.get(url).data)) for url in URLS)
    return Served(rounds, sum(sizes.values()), zipped), sizes


def naive_map(run: Run, manager_id: int) -> tuple[str, int]:
    """folium's way: the same points and districts, one Marker (popup, tooltip, icon) each, all in the HTML.

    Every popup is in the page, so its details (the next visit due among them) are worked out for every
    service up front, where the app fetches one service's when its popup opens.
    """
    with run.env.app.test_request_context():
        manager = db.session.get(User, manager_id)
        filters = county_map.MapFilters()
        points = county_map.service_points(db.session, manager, filters, run.today)
        ids = sa.select(Service.id).where(Service.latitude.is_not(None))
        due = visit_policy.due_dates(db.session, ids, run.today)
        figures = county_map.district_figures(db.session, manager, filters, "good_or_better")
        districts = county_map.districts_geojson(db.session, figures, "good_or_better")
        leaflet_map = folium.Map(location=(52.6, -1.5), zoom_start=7)
        folium.GeoJson(
            districts, name="Districts", style_function=lambda f: {"fillColor": f["properties"]["fill"], "weight": 1}
        ).add_to(leaflet_map)
        cluster = MarkerCluster(name="Services").add_to(leaflet_map)
        for feature in points["features"]:
            lon, lat = feature["geometry"]["coordinates"]
            p = feature["properties"]
            next_due = due[p["id"]].due_on.isoformat() if p["id"] in due else "not known"
            popup = (
                f"<b>{p['name']}</b><br>CQC Overall: {p['cqc_overall']}<br>Next visit due: {next_due}"
                f"<br>Open flags: {p.get('open_flags', 0)}"
                f'<br><a href="{url_for("services.view", service_id=p["id"])}">View service</a>'
            )
            folium.Marker(
                (lat, lon), popup=folium.Popup(popup, max_width=300), tooltip=p["name"],
                icon=folium.Icon(color=RATING_COLOURS.get(p["cqc_overall"], "gray")),
            ).add_to(cluster)  # fmt: skip
        folium.LayerControl().add_to(leaflet_map)
        return leaflet_map.get_root().render(), len(points["features"])


def measure_naive(run: Run, manager_id: int) -> tuple[Served, int]:
    rounds = []
    html, points = "", 0
    for _ in range(run.options.naive_repeats):
        with Stopwatch() as watch:
            html, points = naive_map(run, manager_id)
        rounds.append(watch.seconds)
    data = html.encode()
    return Served(rounds, len(data), len(gzip.compress(data))), points


def measure(run: Run, size: Scale, manager_id: int) -> None:
    progress(f"  the app's map at {size.services:,} services")
    run.load.append(f"{machine_load()} before timing at {size.services:,} services")
    app, parts = measure_app(run, signed_in_client(run.env.app, manager_id))
    progress(f"  folium's naive map at {size.services:,} services")
    naive, points = measure_naive(run, manager_id)
    run.figures.append(Figures(size.services, points, app, naive, parts))


def mib(n: int) -> str:
    return f"{n / 2**20:,.2f} MiB"


def report(run: Run) -> None:
    r = run.report
    small, large = run.sizes.small.services, run.sizes.large.services
    r.heading(f"County map benchmark: {small:,} and {large:,} services", 2)
    r.bullets(
        [
            f"Database: **{run.env.describe_database()}**; the flag sweep benchmark's builders, then the sweep, "
            f"then a 48-sided boundary per district; as of {run.today}",
            *(
                f"{'Built' if i == 0 else 'Grew to'} {s.services:,} services in {sec:,.1f} s"
                for i, (s, sec, _) in enumerate(run.builds)
            ),  # fmt: skip
            run.env.describe_software() + f", folium {folium.__version__}",
            f"**The app**: a manager's GET of {', '.join(f'`{u}`' for u in URLS)} (Flask test client, in-process), "
            f"timed together; median of {run.options.repeats} rounds after {run.options.warmups} warm-up(s). "
            "Size: the four response bodies as sent (the app does not compress; gzip shown for a proxy that does).",
            "**folium, naively**: the same points and district figures from the app's services, then one "
            "`folium.Marker` per service (popup, tooltip, coloured icon) in a `MarkerCluster`, the districts inlined "
            f"as `folium.GeoJson`, and the whole page rendered; median of {run.options.naive_repeats} round(s).",
            "Machine: " + "; ".join(run.load),
        ]
    )
    rows = []
    for f in run.figures:
        rows.append(
            [f"{f.services:,}", f"{f.points:,}", ms(f.app.median_ms), ms(f.naive.median_ms),
             f"**{f.naive.median_ms / f.app.median_ms:,.1f}×**", mib(f.app.bytes), mib(f.naive.bytes),
             f"**{f.naive.bytes / f.app.bytes:,.1f}×**", mib(f.app.gzip_bytes), mib(f.naive.gzip_bytes)]
        )  # fmt: skip
    r.table(
        ["services", "points", "app ms", "folium naive ms", "faster", "app sends", "folium sends", "smaller",
         "app gzip", "folium gzip"],
        rows,
        "rrrrrrrrrr",
    )  # fmt: skip
    r.paragraph("What the app sends, response by response, at the largest size:")
    r.table(["response", "bytes"], [[f"`{u}`", f"{n:,}"] for u, n in run.figures[-1].parts.items()], "lr")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.county_map", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (150 → 1,500 services) for a smoke run")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds of the app's requests (default 5)")
    parser.add_argument("--warmups", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--naive-repeats", type=int, default=2, help="timed naive folium builds (default 2)")
    options = parser.parse_args(argv)
    if options.repeats < 1 or options.naive_repeats < 1 or options.warmups < 0:
        parser.error("--repeats and --naive-repeats must be at least 1, --warmups at least 0")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.perf_counter()
    with bench_environment() as env:
        run = Run(env=env, sizes=QUICK if options.quick else FULL, options=options)
        manager_id = 0
        for size in (run.sizes.small, run.sizes.large):
            clear_flags(run)
            grow(run, size)
            progress("  flag sweep")
            sweep_once(run, memory=False)
            add_boundaries(run)
            if not manager_id:
                with env.app.app_context():
                    manager_id = run.builders["register"].staff(Role.MANAGER)[0]
            measure(run, size, manager_id)
        report(run)
    run.report.paragraph(f"Total run time: {time.perf_counter() - started:,.1f} s.")
    print(run.report.render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
