"""CQC import benchmark: the real bulk records, and a synthetic England-scale set, through the real path.

Each set is imported as the sync does it (parse the location record, import it with its rating
history, commit every 1,000) into a fresh database, and compared with a raw Core bulk insert of the
same number of service and snapshot rows in the same run. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import resource
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.environment import bench_environment
from benchmarks.measure import progress
from provider_monitor.enums import RatingSource, RegistrationStatus, Sector, ServiceType
from provider_monitor.extensions import db
from provider_monitor.models import Provider, RatingChange, RatingSnapshot, Service
from provider_monitor.services.cqc_import import import_location
from provider_monitor.services.cqc_records import location_record

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cqc" / "api" / "locations_bulk"


def real_records() -> list[dict]:
    devon = json.loads((SHARED / "devon_torbay_plymouth_care_homes_2021-02_reconstructed.json").read_text())
    hub = json.loads((SHARED / "carehomehub_sample_103_locations_2021.json").read_text())
    return devon + [item["loc"] for item in hub]


def synthetic_records(n: int, templates: list[dict], seed: int = 2026) -> list[dict]:
    """n API-shaped locations: real records' histories under new ids, providers and names."""
    rng = random.Random(seed)
    rated = [t for t in templates if t.get("currentRatings")]
    records = []
    for i in range(n):
        record = copy.deepcopy(rng.choice(rated))
        record["locationId"] = f"1-{9_000_000_000 + i}"
        record["providerId"] = f"1-{8_000_000_000 + i // 3}"
        record["name"] = f"{record.get('name', 'Location')} {i}"
        record["registrationStatus"] = "Deregistered" if rng.random() < 0.03 else "Registered"
        records.append(record)
    return records


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import(records: list[dict], batch: int = 1000) -> dict:
    start, rss = time.perf_counter(), _rss_mib()
    for index, data in enumerate(records, start=1):
        import_location(db.session, location_record(data), source=RatingSource.CQC_API)
        if index % batch == 0:
            db.session.commit()
    db.session.commit()
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds, "rss": _rss_mib() - rss,
        "services": db.session.scalar(sa.select(sa.func.count(Service.id))),
        "snapshots": db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))),
        "changes": db.session.scalar(sa.select(sa.func.count(RatingChange.id))),
    }  # fmt: skip


def _raw_insert(services: int, snapshots: int) -> float:
    """The floor: the same number of rows in one executemany per table, nothing else."""
    start = time.perf_counter()
    provider = Provider(name="Raw", sector=Sector.INDEPENDENT)
    db.session.add(provider)
    db.session.flush()
    db.session.execute(sa.insert(Service), [
        {"provider_id": provider.id, "name": f"Raw {i}", "cqc_location_id": f"1-{7_000_000_000 + i}",
         "service_type": ServiceType.CARE_HOME, "regulated": True, "registration_status": RegistrationStatus.REGISTERED}
        for i in range(services)
    ])  # fmt: skip
    first = db.session.scalar(sa.select(sa.func.min(Service.id)).where(Service.name.like("Raw %")))
    db.session.execute(sa.insert(RatingSnapshot), [
        {"service_id": first + i % services, "source": RatingSource.CQC_API, "fingerprint": f"raw-{i}",
         **dict.fromkeys(("overall", "safe", "effective", "caring", "responsive", "well_led"), "Good")}
        for i in range(snapshots)
    ])  # fmt: skip
    db.session.commit()
    return time.perf_counter() - start


def measure(label: str, records: list[dict]) -> list[str]:
    rows = []
    with bench_environment() as env, env.app.app_context():
        progress(f"{label}: importing {len(records):,} records")
        first = _import(records)
        progress(f"{label}: importing the same records again")
        again = _import(records)
        db.session.execute(sa.delete(RatingChange))
        db.session.commit()
    with bench_environment() as env, env.app.app_context():
        raw = _raw_insert(first["services"], first["snapshots"])
    rate = len(records) / first["seconds"]
    rows.append(
        f"| {label} | {len(records):,} | {first['seconds']:.1f} | {rate:,.0f} | {first['rss']:.0f} | "
        f"{first['snapshots']:,} | {first['changes']:,} | {raw:.2f} | {first['seconds'] / raw:.0f}× | "
        f"{len(records) / again['seconds']:,.0f} |"
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cqc_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=50_000, help="synthetic records (default 50,000)")
    parser.add_argument("--quick", action="store_true", help="2,000 synthetic records, for a smoke run")
    options = parser.parse_args(argv)
    table = [
        "| set | records | import s | records/s | peak RSS growth MiB | snapshots | changes | raw insert s | × raw "
        "| re-import records/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    if not SHARED.is_dir():
        print(f"Skipped: the real CQC records are not at {SHARED}")
        return
    real = real_records()
    table += measure("real bulk records", real)
    table += measure("synthetic England-scale", synthetic_records(2_000 if options.quick else options.synthetic, real))
    print("\n".join(table))
    print("\n'× raw': the import's time over a Core executemany of the same service and snapshot rows (the floor).")
    print("Re-import: the same records again, adding nothing (idempotent).")


if __name__ == "__main__":
    main()
