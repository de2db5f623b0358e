"""Every real CQC location record imports; the declines named in the file names are found exactly."""

import json

import pytest
import sqlalchemy as sa

from provider_monitor.enums import ChangeDirection, KeyQuestion, RatingSource, RegistrationStatus
from provider_monitor.extensions import db
from provider_monitor.models import RatingChange, RatingSnapshot, Service
from provider_monitor.services import cqc_import, ratings
from provider_monitor.services.cqc_records import location_record

EXPECTED_OVERALL_DECLINES = {
    "1-112552719": ("Good", "Requires improvement"),
    "1-112754649": ("Good", "Requires improvement"),
    "1-112767279": ("Good", "Inadequate"),
    "1-112845365": ("Requires improvement", "Inadequate"),
}


def _import(path):
    outcome = cqc_import.import_location(
        db.session, location_record(json.loads(path.read_text())), source=RatingSource.CQC_API
    )
    db.session.commit()
    return outcome


def _current_overall_declines(service_id):
    """Overall declines that the service's current ratings brought."""
    stmt = (
        sa.select(RatingChange)
        .join(RatingSnapshot, RatingSnapshot.id == RatingChange.snapshot_id)
        .where(
            RatingChange.service_id == service_id,
            RatingSnapshot.is_current,
            RatingChange.key_question == KeyQuestion.OVERALL,
            RatingChange.direction == ChangeDirection.DECLINE,
        )
    )
    return list(db.session.scalars(stmt))


def test_every_single_location_file_imports_and_declines_match_the_names(app_ctx, shared_data):
    files = sorted((shared_data / "cqc" / "api" / "locations").glob("*.json"))
    assert len(files) >= 14
    for path in files:
        outcome = _import(path)
        location_id = path.name.split("_")[0]
        declines = _current_overall_declines(outcome.service_id)
        if location_id in EXPECTED_OVERALL_DECLINES:
            assert [(c.from_rating, c.to_rating) for c in declines] == [EXPECTED_OVERALL_DECLINES[location_id]], (
                path.name
            )
            assert declines[0].high_severity
        else:
            assert declines == [], path.name


def test_importing_the_same_record_twice_adds_nothing(app_ctx, shared_data):
    path = next((shared_data / "cqc" / "api" / "locations").glob("1-112767279_*.json"))
    first = _import(path)
    before = db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)))
    second = _import(path)
    assert first.snapshots_added > 0 and second.snapshots_added == 0 and not second.created
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == before


def test_the_elms_keeps_key_questions_with_their_own_report_dates(app_ctx, shared_data):
    path = next((shared_data / "cqc" / "api" / "locations").glob("1-112767279_*.json"))
    outcome = _import(path)
    current = ratings.current_snapshots(db.session, [outcome.service_id])[outcome.service_id]
    assert (current.overall, current.safe, current.caring) == ("Inadequate", "Inadequate", "Good")
    assert current.safe_date.isoformat() == "2020-12-30" and current.caring_date.isoformat() == "2019-12-25"


def test_deregistered_and_no_published_rating(app_ctx, shared_data):
    folder = shared_data / "cqc" / "api" / "locations"
    allied = _import(next(folder.glob("1-134558905_*.json")))
    service = db.session.get(Service, allied.service_id)
    assert service.registration_status == RegistrationStatus.DEREGISTERED
    current = ratings.current_snapshots(db.session, [service.id])[service.id]
    assert current.overall == "No published rating"
    assert ratings.changes_for_service(db.session, service.id) == []


def test_non_ratings_never_count(app_ctx, shared_data):
    dentist = _import(next((shared_data / "cqc" / "api" / "locations").glob("1-1128046032_*.json")))
    current = ratings.current_snapshots(db.session, [dentist.service_id])[dentist.service_id]
    assert (current.overall, current.safe) == ("Inspected but not rated", "No action")
    assert ratings.changes_for_service(db.session, dentist.service_id) == []


@pytest.mark.parametrize("name", ["devon_torbay_plymouth_care_homes_2021-02_reconstructed.json"])
def test_the_devon_bulk_records_give_forty_overall_declines(app_ctx, shared_data, name):
    records = json.loads((shared_data / "cqc" / "api" / "locations_bulk" / name).read_text())
    for data in records:
        cqc_import.import_location(db.session, location_record(data), source=RatingSource.CQC_API)
    db.session.commit()
    current_overall_declines = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(RatingChange.service_id)))
        .join(RatingSnapshot, RatingSnapshot.id == RatingChange.snapshot_id)
        .where(RatingSnapshot.is_current, RatingChange.key_question == KeyQuestion.OVERALL,
               RatingChange.direction == ChangeDirection.DECLINE)
    )  # fmt: skip
    assert current_overall_declines == 40


def test_the_carehomehub_sample_imports_every_record(app_ctx, shared_data):
    items = json.loads(
        (shared_data / "cqc" / "api" / "locations_bulk" / "carehomehub_sample_103_locations_2021.json").read_text()
    )
    for item in items:
        cqc_import.import_location(db.session, location_record(item["loc"]), source=RatingSource.CQC_API)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Service.id))) == len({i["loc"]["locationId"] for i in items})
