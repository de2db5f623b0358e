"""`flask cqc import-file`: CQC bulk files, read by header name, imported once, safely."""

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from provider_monitor.enums import ChangeDirection, KeyQuestion, RatingSource
from provider_monitor.extensions import db
from provider_monitor.models import Provider, RatingChange, RatingSnapshot, Service
from provider_monitor.services import ratings
from provider_monitor.services.rating_rules import Rating, State
from tests import factories

HEADER = [
    "Location ID", "Location Name", "Care Home?", "Location City", "Location Post Code", "Location Local Authority",
    "Service / Population Group", "Key Question", "Latest Rating", "Publication Date", "Inherited Rating (Y/N)",
    "Provider ID", "Provider Name",
]  # fmt: skip


def ratings_rows():
    """Oak (on the register) drops to Requires improvement; Newby is new, in Nottinghamshire; Far is elsewhere."""
    rows = []
    for question, value in (("Overall", "Requires Improvement"), ("Safe", "Inadequate"), ("Caring", "Not Rated")):
        rows.append(["1-500", "Oak Lodge", "Y", "Mansfield", "NG18 1AA", "Nottinghamshire", "Overall", question, value,
                     "01/05/2026", "N", "1-900", "Oak Group"])  # fmt: skip
    rows.append(["1-500", "Oak Lodge", "Y", "Mansfield", "NG18 1AA", "Nottinghamshire", "Residential", "Safe", "Good",
                 "01/05/2026", "N", "1-900", "Oak Group"])  # fmt: skip
    rows.append(["1-501", "Newby House", "N", "Retford", "DN22 6AA", "Nottinghamshire", "Overall", "Overall", "Good",
                 "02/02/2025", "N", "1-901", "Newby Care Ltd"])  # fmt: skip
    rows.append(["1-502", "Far Away", "Y", "Truro", "TR1 1AA", "Cornwall", "Overall", "Overall", "Good",
                 "02/02/2025", "N", "1-902", "Far Care"])  # fmt: skip
    return rows


def write(tmp_path, suffix, rows, header=HEADER, banner=True):
    """A file like CQC's: a banner row above the header (the header is on row 2)."""
    frame = pd.DataFrame([header, *rows])
    if banner:
        frame = pd.concat(
            [pd.DataFrame([["Care directory with ratings – published monthly"] + [""] * (len(header) - 1)]), frame]
        )
    path = tmp_path / f"latest_ratings{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, header=False, index=False)
    else:
        frame.to_excel(
            path, header=False, index=False, sheet_name="Locations", engine="odf" if suffix == ".ods" else "openpyxl"
        )
    return path


def run(app, path, *args):
    return app.test_cli_runner().invoke(args=["cqc", "import-file", str(path), *args])


@pytest.fixture
def oak(app_ctx):
    service = factories.ServiceFactory(name="Oak Lodge", cqc_location_id="1-500")
    when = date(2023, 1, 1)
    state = State(when, {KeyQuestion.OVERALL: Rating("Good", when), KeyQuestion.SAFE: Rating("Good", when)})
    ratings.record_states(db.session, service.id, [state], source=RatingSource.CQC_API)
    db.session.commit()
    return service


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods"])
def test_latest_ratings_are_recorded_for_services_on_the_register(app, app_ctx, oak, tmp_path, suffix):
    result = run(app, write(tmp_path, suffix, ratings_rows()), "--local-authority", "Nottinghamshire")
    assert result.exit_code == 0, result.output
    assert "Care directory with ratings (Locations)" in result.output
    assert "1 × not on the register, and outside the local authorities given" in result.output
    assert "1 × service or population group ratings (the location's own are used)" in result.output
    current = ratings.current_snapshots(db.session, [oak.id])[oak.id]
    assert (current.source, current.overall, current.safe, current.caring) == (
        RatingSource.CQC_FILE, "Requires improvement", "Inadequate", "Not Rated"
    )  # fmt: skip
    assert current.overall_date == date(2026, 5, 1)
    declines = db.session.scalars(sa.select(RatingChange).where(RatingChange.service_id == oak.id)).all()
    assert {(c.key_question, c.direction) for c in declines} == {
        (KeyQuestion.OVERALL, ChangeDirection.DECLINE), (KeyQuestion.SAFE, ChangeDirection.DECLINE)
    }  # fmt: skip
    newby = db.session.scalar(sa.select(Service).where(Service.cqc_location_id == "1-501"))
    assert newby.name == "Newby House" and newby.postcode == "DN22 6AA"
    assert db.session.scalar(sa.select(Provider.name).where(Provider.id == newby.provider_id)) == "Newby Care Ltd"


def test_importing_the_same_file_twice_adds_nothing(app, app_ctx, oak, tmp_path):
    path = write(tmp_path, ".csv", ratings_rows())
    run(app, path)
    before = db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)))
    result = run(app, path)
    assert "0 snapshots added" in result.output
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == before


def test_a_file_missing_headers_changes_nothing(app, app_ctx, oak, tmp_path):
    header = [h for h in HEADER if h != "Latest Rating"]
    result = run(app, write(tmp_path, ".csv", [r[:8] + r[9:] for r in ratings_rows()], header=header))
    assert result.exit_code != 0 and "latestrating" in result.output and "nothing was imported" in result.output
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == 1


def test_a_file_that_is_not_a_spreadsheet_changes_nothing(app, app_ctx, oak, tmp_path):
    path = tmp_path / "ratings.xlsx"
    path.write_bytes(b"this is not a zip file")
    result = run(app, path)
    assert result.exit_code != 0 and "could not be read as XLSX" in result.output
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == 1


def test_hsca_active_locations_adds_services_in_the_area(app, app_ctx, tmp_path):
    header = ["Location ID", "Location HSCA start date", "Care home?", "Location Name", "Care homes beds",
              "Location Inspection Directorate", "Location Latest Overall Rating", "Publication Date",
              "Location Local Authority", "Location Street Address", "Location City", "Location Postal Code",
              "Location Latitude", "Location Longitude", "Provider ID", "Provider Name",
              "Service type - Care home service with nursing"]  # fmt: skip
    rows = [
        ["1-601", "01/04/2015", "Y", "Elm Nursing Home", "40", "Adult social care", "Good", "10/10/2024",
         "Nottinghamshire", "1 Elm Road", "Newark", "NG24 1AA", "53.07", "-0.80", "1-950", "Elm Care Ltd", "Y"],
        ["1-602", "01/04/2016", "N", "Ash Home Care", "", "Adult social care", "Requires improvement", "11/11/2024",
         "Nottinghamshire", "2 Ash Road", "Worksop", "S80 1AA", "53.30", "-1.12", "1-951", "Ash Ltd", ""],
        ["1-603", "01/04/2016", "Y", "Elsewhere Home", "20", "Adult social care", "Good", "11/11/2024",
         "Derbyshire", "3 Oak Road", "Derby", "DE1 1AA", "52.9", "-1.4", "1-952", "Else Ltd", ""],
    ]  # fmt: skip
    path = write(tmp_path, ".xlsx", rows, header=header, banner=False)
    assert run(app, path).exit_code != 0, "the national directory needs a local authority"
    result = run(app, path, "--local-authority", "Nottinghamshire")
    assert result.exit_code == 0, result.output
    services = {s.cqc_location_id: s for s in db.session.scalars(sa.select(Service))}
    assert set(services) == {"1-601", "1-602"}
    assert services["1-601"].service_type == "care_home_nursing" and services["1-601"].capacity == 40
    overall = {s.service_id: s.overall for s in db.session.scalars(sa.select(RatingSnapshot))}
    assert sorted(overall.values()) == ["Good", "Requires improvement"]


def test_the_real_providers_extract_imports_without_error_and_changes_nothing(app, app_ctx, shared_data):
    result = run(app, shared_data / "cqc" / "csv" / "latest_ratings_providers_2021-02_extract.csv")
    assert result.exit_code == 0, result.output
    assert "164 × provider-level ratings are not held; ratings are kept per service" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Service.id))) == 0


def test_the_real_api_dump_gives_the_same_forty_declines(app, app_ctx, shared_data):
    result = run(app, shared_data / "cqc" / "csv" / "api_dump_care_homes_devon_torbay_plymouth_2021-02.csv")
    assert result.exit_code == 0, result.output
    assert "locations imported: 506" in result.output
    declines = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(RatingChange.service_id)))
        .join(RatingSnapshot, RatingSnapshot.id == RatingChange.snapshot_id)
        .where(RatingSnapshot.is_current, RatingChange.key_question == KeyQuestion.OVERALL,
               RatingChange.direction == ChangeDirection.DECLINE)
    )  # fmt: skip
    assert declines == 40
