"""`flask cqc import-file`: CQC bulk files read by header name, imported once, one location at a time.

The Latest ratings and HSCA Active Locations files here are SYNTHETIC (built in each test); the
providers extract and the Devon API dump are real CQC data from ../shared/data.
"""

import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from provider_monitor.cli.cqc_files import import_file
from provider_monitor.enums import ChangeDirection, KeyQuestion, RatingSource, ServiceType
from provider_monitor.extensions import db
from provider_monitor.models import Provider, RatingChange, RatingSnapshot, Service
from provider_monitor.services import ratings
from tests import factories
from tests.cqc_sheets import BANNER, RATINGS_HEADER, ratings_row, write


def run(app, path, *authorities):
    args = [str(path)] + [a for authority in authorities for a in ("--local-authority", authority)]
    return app.test_cli_runner().invoke(import_file, args)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def changes(service) -> set:
    found = ratings.changes_for_service(db.session, service.id)
    return {(c.key_question, c.from_rating, c.to_rating, c.direction) for c in found}


@pytest.fixture
def register(app_ctx):
    """Oak Lodge (Good in 2023) and Elm Court (no ratings yet) are on the register."""
    oak = factories.ServiceFactory(name="Oak Lodge", cqc_location_id="1-500")
    factories.record_ratings(oak, factories.rating_state("2023-01-10", overall="Good", safe="Good", caring="Good"))
    elm = factories.ServiceFactory(name="Elm Court", cqc_location_id="1-510")
    return oak, elm


def latest_ratings(domain="Domain"):
    rows = [
        ratings_row("1-500", "Oak Lodge", "Overall", "Requires Improvement", "01/05/2026"),
        ratings_row("1-500", "Oak Lodge", "Safe", "Inadequate", "01/05/2026"),
        ratings_row("1-500", "Oak Lodge", "Caring", "Not Rated", "01/05/2026"),
        ratings_row("1-500", "Oak Lodge", "Well-led", "Insufficient evidence to rate", "01/05/2026"),
        ratings_row("1-500", "Oak Lodge", "Safe", "Good", "01/05/2026", group="Residential social care"),
        ratings_row("1-500", "Oak Lodge", "Use of Resources", "Good", "01/05/2026"),
        ratings_row("1-510", "Elm Court", "Overall", "Good", "12/03/2025", inherited="Y"),
        ratings_row("1-510", "Elm Court", "Effective", "Outstanding", "02/02/2024", inherited="Y"),
        ratings_row("1-501", "Newby House", "Overall", "Good", "02/02/2025", care_home="N",
                    provider=("1-901", "Newby Care Ltd")),
        ratings_row("1-502", "Far Away", "Overall", "Good", "02/02/2025", authority="Cornwall"),
        ratings_row("1-503", "Ollerton Surgery", "Overall", "Good", "02/02/2025",
                    location_type="Primary Medical Services"),
    ]  # fmt: skip
    return [BANNER, [h if h != "Domain" else domain for h in RATINGS_HEADER], *rows]


@pytest.mark.parametrize(("suffix", "domain"), [(".csv", "Domain"), (".xlsx", "Key Question"), (".ods", "Domain")])
def test_latest_ratings_are_recorded_on_top_of_the_history(app, register, tmp_path, suffix, domain):
    oak, elm = register
    path = write(tmp_path / f"Latest_ratings{suffix}", {"Locations": latest_ratings(domain)})
    result = run(app, path, "Nottinghamshire")
    assert result.exit_code == 0, result.output
    oak_now = ratings.current_snapshots(db.session, [oak.id])[oak.id]
    assert (oak_now.source, oak_now.published_on, oak_now.overall_date) == (
        RatingSource.CQC_FILE, date(2026, 5, 1), date(2026, 5, 1)
    )  # fmt: skip
    assert (oak_now.overall, oak_now.safe, oak_now.caring, oak_now.well_led) == (
        "Requires improvement", "Inadequate", "Not Rated", "Insufficient evidence to rate"
    )  # fmt: skip
    # Declines found against the 2023 snapshot; the non-ratings are stored but are not changes.
    assert changes(oak) == {
        (KeyQuestion.OVERALL, "Good", "Requires improvement", ChangeDirection.DECLINE),
        (KeyQuestion.SAFE, "Good", "Inadequate", ChangeDirection.DECLINE),
    }
    elm_now = ratings.current_snapshots(db.session, [elm.id])[elm.id]
    assert (elm_now.overall, elm_now.effective, elm_now.effective_date) == ("Good", "Outstanding", date(2024, 2, 2))
    assert elm_now.inherited_from == "inherited (file)" and oak_now.inherited_from is None
    newby = db.session.scalar(sa.select(Service).where(Service.cqc_location_id == "1-501"))
    assert (newby.name, newby.postcode, newby.service_type) == ("Newby House", "NG18 1AA", ServiceType.OTHER)
    assert db.session.get(Provider, newby.provider_id).name == "Newby Care Ltd"
    assert db.session.scalar(sa.select(Service).where(Service.cqc_location_id.in_(["1-502", "1-503"]))) is None
    for line in (
        "File recognised: Care directory with ratings (Latest ratings), Locations sheet",
        "header on row 2", "Rows read: 11", "Locations imported: 3", "New services: 1", "  + Newby House (1-501)",
        "Snapshots added: 3 (rating changes found: 2)", "Skipped: 2 rows, 2 locations",
        "  1 row: ratings of a service or population group (only a location's own ratings are held)",
        "  1 row: 'Use of Resources' is not a key question rated per service",
        "  1 location: not on the register (and not in a --local-authority given)",
        "  1 location: not on the register, and not adult social care", "Failures: 0",
    ):  # fmt: skip
        assert line in result.output


def test_without_a_local_authority_only_services_on_the_register_are_updated(app, register, tmp_path):
    result = run(app, write(tmp_path / "latest.csv", {"s": latest_ratings()}))
    assert result.exit_code == 0, result.output
    assert count(Service) == 2 and "  3 locations: not on the register (and not in a --local-authority given)" in (
        result.output
    )


def test_importing_the_same_file_twice_adds_nothing(app, register, tmp_path):
    path = write(tmp_path / "latest.xlsx", {"Locations": latest_ratings()})
    first = run(app, path, "Nottinghamshire")
    before = (count(Service), count(Provider), count(RatingSnapshot), count(RatingChange))
    second = run(app, path, "Nottinghamshire")
    assert first.exit_code == second.exit_code == 0
    assert "Snapshots added: 3" in first.output and "Snapshots added: 0 (rating changes found: 0)" in second.output
    assert "New services: 0" in second.output and "Locations imported: 3" in second.output
    assert (count(Service), count(Provider), count(RatingSnapshot), count(RatingChange)) == before


def test_a_non_rating_is_stored_and_the_next_real_rating_is_compared_with_the_last_real_one(app, register, tmp_path):
    oak, _ = register
    not_rated = [RATINGS_HEADER, ratings_row("1-500", "Oak Lodge", "Overall", "Not Rated", "01/02/2026")]
    assert run(app, write(tmp_path / "feb.csv", {"s": not_rated})).exit_code == 0
    assert ratings.current_snapshots(db.session, [oak.id])[oak.id].overall == "Not Rated"
    assert changes(oak) == set()
    inadequate = [RATINGS_HEADER, ratings_row("1-500", "Oak Lodge", "Overall", "Inadequate", "01/06/2026")]
    assert run(app, write(tmp_path / "jun.csv", {"s": inadequate})).exit_code == 0
    assert changes(oak) == {(KeyQuestion.OVERALL, "Good", "Inadequate", ChangeDirection.DECLINE)}


def test_an_older_file_does_not_rewrite_newer_ratings(app, register, tmp_path):
    oak, _ = register
    old = [RATINGS_HEADER, ratings_row("1-500", "Oak Lodge", "Overall", "Outstanding", "01/05/2019")]
    result = run(app, write(tmp_path / "2019.csv", {"s": old}))
    assert result.exit_code == 0 and "  1 location: the file's ratings are older than those held" in result.output
    assert count(RatingSnapshot) == 1 and ratings.current_snapshots(db.session, [oak.id])[oak.id].overall == "Good"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("latest.xlsx", b"this is not a zip file", "could not be read as XLSX"),
        ("latest.ods", b"PK\x03\x04 not really", "could not be read as ODS"),
        ("latest.pdf", b"%PDF-1.4", "only CSV, XLSX and ODS files can be imported"),
        ("latest.csv", ",".join(h for h in RATINGS_HEADER if h != "Latest Rating").encode(),
         "missing the required column(s): Latest Rating."),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_changes_nothing(app, register, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    result = run(app, path, "Nottinghamshire")
    assert result.exit_code == 1 and expected in result.output, result.output
    assert "Nothing was imported." in result.output
    assert (count(Service), count(RatingSnapshot)) == (2, 1)


def test_a_file_corrupt_after_its_header_changes_nothing(app, register, tmp_path):
    good = write(tmp_path / "good.ods", {"Locations": latest_ratings()})
    with zipfile.ZipFile(good) as archive:
        content = archive.read("content.xml")
    cut = tmp_path / "cut.ods"
    with zipfile.ZipFile(cut, "w") as archive:
        archive.writestr("content.xml", content[: content.rindex(b"Newby House")])  # the rows after Elm are lost
    result = run(app, cut, "Nottinghamshire")
    assert (
        result.exit_code == 1
        and "could not be read as ODS" in result.output
        and "Nothing was imported" in (result.output)
    )
    assert (count(Service), count(RatingSnapshot), count(RatingChange)) == (2, 1, 0)


def test_one_bad_location_is_reported_and_the_others_are_kept(app, register, tmp_path):
    oak, elm = register
    rows = [RATINGS_HEADER, ratings_row("1-500", "Oak Lodge", "Overall", "Inadequate", "31/02/2026"),
            ratings_row("1-510", "Elm Court", "Overall", "Good", "12/03/2025")]  # fmt: skip
    result = run(app, write(tmp_path / "latest.csv", {"s": rows}))
    assert result.exit_code == 1
    assert "Failures: 1" in result.output and "  ! 1-500: Publication Date '31/02/2026' is not a date" in result.output
    db.session.expire_all()
    assert ratings.current_snapshots(db.session, [oak.id])[oak.id].overall == "Good"
    assert ratings.current_snapshots(db.session, [elm.id])[elm.id].overall == "Good"


def test_a_location_that_fails_to_store_is_rolled_back_alone(app, register, tmp_path, monkeypatch):
    oak, elm = register
    real = ratings.record_states

    def failing(session, service_id, states, **kwargs):
        recorded = real(session, service_id, states, **kwargs)  # written (flushed), then the failure
        if service_id == oak.id:
            raise IntegrityError("INSERT …", {}, Exception("simulated"))
        return recorded

    monkeypatch.setattr(ratings, "record_states", failing)
    result = run(app, write(tmp_path / "latest.csv", {"s": latest_ratings()}))
    assert result.exit_code == 1, result.output
    assert "  ! 1-500: could not be stored (IntegrityError); rolled back" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(RatingSnapshot.service_id == oak.id)) == 1
    assert ratings.current_snapshots(db.session, [oak.id])[oak.id].overall == "Good" and changes(oak) == set()
    assert ratings.current_snapshots(db.session, [elm.id])[elm.id].overall == "Good"


HSCA_HEADER = [
    "Location ID", "Location HSCA start date", "Dormant (Y/N)", "Care home?", "Location Name", "Care homes beds",
    "Location Inspection Directorate", "Location Latest Overall Rating", "Publication Date", "Inherited Rating (Y/N)",
    "Location Local Authority", "Location Street Address", "Location City", "Location Postal Code",
    "Location Latitude", "Location Longitude", "Provider Companies House Number", "Provider ID", "Provider Name",
    "Provider Ownership Type", "Service type - Care home service with nursing",
    "Service type - Care home service without nursing", "Service type - Domiciliary care service",
]  # fmt: skip


def hsca_rows():
    return [
        ["1-601", date(2015, 4, 1), "N", "Y", "Elm Nursing Home", 40, "Adult social care", "Good", date(2024, 10, 10),
         "N", "Nottinghamshire", "1 Elm Road", "Newark", "ng241aa", 53.07, -0.8, 1234567, "1-950", "Elm Care Ltd",
         "Organisation", "Y", "Y", None],
        ["1-602", date(2016, 4, 1), "N", "N", "Ash Home Care", None, "Adult social care", "Requires improvement",
         date(2024, 11, 11), "Y", "Nottinghamshire", "2 Ash Road", "Worksop", "S80 1AA", 53.3, -1.12, "SC123456",
         "1-951", "Ash Ltd", "Partnership", None, None, "Y"],
        ["1-603", date(2016, 4, 1), "N", "Y", "Elsewhere Home", 20, "Adult social care", "Good", date(2024, 11, 11),
         "N", "Derbyshire", "3 Oak Road", "Derby", "DE1 1AA", 52.9, -1.4, "07654321", "1-952", "Else Ltd",
         "Organisation", None, "Y", None],
    ]  # fmt: skip


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_hsca_active_locations_adds_the_services_in_the_area_with_their_providers(app, app_ctx, tmp_path, suffix):
    sheets = {"README": [["Care directory with filters (SYNTHETIC)"]],
              "HSCA_Active_Locations": [["Banner line"], [], HSCA_HEADER, *hsca_rows()],
              "Dual_Registration_Locations": [["Location ID", "Primary ID"]]}  # fmt: skip
    path = write(tmp_path / f"HSCA_Active_Locations{suffix}", sheets)
    refused = run(app, path)
    assert refused.exit_code == 1 and "--local-authority" in refused.output and count(Service) == 0
    result = run(app, path, "nottinghamshire")
    assert result.exit_code == 0, result.output
    services = {s.cqc_location_id: s for s in db.session.scalars(sa.select(Service))}
    assert set(services) == {"1-601", "1-602"}
    elm, ash = services["1-601"], services["1-602"]
    assert (elm.name, elm.service_type, elm.capacity, elm.postcode, elm.registration_date, elm.latitude) == (
        "Elm Nursing Home", ServiceType.CARE_HOME_NURSING, 40, "NG24 1AA", date(2015, 4, 1), 53.07
    )  # fmt: skip
    assert (ash.service_type, ash.capacity, ash.address_line_1, ash.town) == (
        ServiceType.HOME_CARE, None, "2 Ash Road", "Worksop"
    )  # fmt: skip
    providers = {p.cqc_provider_id: p for p in db.session.scalars(sa.select(Provider))}
    assert {k: (p.name, p.companies_house_number, p.ownership_type) for k, p in providers.items()} == {
        "1-950": ("Elm Care Ltd", "01234567", "Organisation"), "1-951": ("Ash Ltd", "SC123456", "Partnership")
    }  # fmt: skip
    current = ratings.current_snapshots(db.session, [elm.id, ash.id])
    assert (current[elm.id].overall, current[elm.id].published_on, current[elm.id].safe) == (
        "Good", date(2024, 10, 10), None
    )  # fmt: skip
    assert (current[ash.id].overall, current[ash.id].inherited_from) == ("Requires improvement", "inherited (file)")
    assert {s.source for s in db.session.scalars(sa.select(RatingSnapshot))} == {RatingSource.CQC_FILE}
    for line in ("File recognised: HSCA Active Locations", "sheet 'HSCA_Active_Locations', header on row 3",
                 "Rows read: 3", "Locations imported: 2", "  + Elm Nursing Home (1-601)", "  + Ash Home Care (1-602)",
                 "Snapshots added: 2", "  1 location: outside the local authorities given", "Failures: 0"):  # fmt: skip
        assert line in result.output
    again = run(app, path, "Nottinghamshire")
    assert "Snapshots added: 0" in again.output and (count(Service), count(RatingSnapshot)) == (2, 2)


def test_the_directory_rating_is_recorded_only_when_newer_than_what_is_held(app, app_ctx, tmp_path):
    elm = factories.ServiceFactory(name="Elm (our name)", cqc_location_id="1-601", capacity=None)
    factories.record_ratings(elm, factories.rating_state("2022-01-01", overall="Outstanding", safe="Good"))
    ash = factories.ServiceFactory(name="Ash", cqc_location_id="1-602")
    factories.record_ratings(ash, factories.rating_state("2025-06-01", overall="Good"))
    path = write(tmp_path / "hsca.xlsx", {"HSCA_Active_Locations": [HSCA_HEADER, *hsca_rows()]})
    result = run(app, path, "Nottinghamshire")
    assert result.exit_code == 0, result.output
    current = ratings.current_snapshots(db.session, [elm.id, ash.id])
    assert (current[elm.id].overall, current[elm.id].safe, current[elm.id].published_on) == (
        "Good", "Good", date(2024, 10, 10)
    )  # fmt: skip
    assert changes(elm) == {(KeyQuestion.OVERALL, "Outstanding", "Good", ChangeDirection.DECLINE)}
    assert (current[ash.id].overall, current[ash.id].published_on) == ("Good", date(2025, 6, 1))  # held is newer
    db.session.refresh(elm)
    assert (elm.name, elm.capacity) == ("Elm (our name)", 40)  # officers' names kept; gaps filled
    assert "New services: 0" in result.output and "Locations imported: 2" in result.output
    assert "Skipped: 1 location" in result.output  # only 1-603, outside the area; not-newer is not a skip


def test_a_location_level_not_rated_in_the_directory_keeps_the_rating_held(app, app_ctx, tmp_path):
    elm = factories.ServiceFactory(cqc_location_id="1-601")
    factories.record_ratings(elm, factories.rating_state("2022-01-01", overall="Good"))
    row = hsca_rows()[0]
    row[HSCA_HEADER.index("Location Latest Overall Rating")] = "Not Rated"
    row[HSCA_HEADER.index("Publication Date")] = date(2026, 3, 1)
    result = run(app, write(tmp_path / "hsca.csv", {"s": [HSCA_HEADER, row]}), "Nottinghamshire")
    assert result.exit_code == 0, result.output
    assert count(RatingSnapshot) == 1 and ratings.current_snapshots(db.session, [elm.id])[elm.id].overall == "Good"


def test_the_real_providers_extract_imports_without_error_and_changes_nothing(app, register, shared_data):
    result = run(app, shared_data / "cqc" / "csv" / "latest_ratings_providers_2021-02_extract.csv", "Birmingham")
    assert result.exit_code == 0, result.output
    assert "File recognised: Care directory with ratings (Latest ratings), Providers sheet" in result.output
    assert "Rows read: 4978" in result.output and "Failures: 0" in result.output
    assert "  164 providers: provider-level ratings are not held; ratings are kept per service" in result.output
    assert (count(Service), count(Provider), count(RatingSnapshot), count(RatingChange)) == (2, 2, 1, 0)


def test_the_real_api_dump_imports_every_row_and_gives_the_forty_declines(app, app_ctx, shared_data):
    result = run(app, shared_data / "cqc" / "csv" / "api_dump_care_homes_devon_torbay_plymouth_2021-02.csv")
    assert result.exit_code == 0, result.output
    assert "File recognised: CSV dump of CQC API location records" in result.output
    assert "Rows read: 506" in result.output and "Locations imported: 506" in result.output
    assert "New services: 506" in result.output and "Failures: 0" in result.output
    current_overall_declines = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(RatingChange.service_id)))
        .join(RatingSnapshot, RatingSnapshot.id == RatingChange.snapshot_id)
        .where(RatingSnapshot.is_current, RatingChange.key_question == KeyQuestion.OVERALL,
               RatingChange.direction == ChangeDirection.DECLINE)
    )  # fmt: skip
    assert current_overall_declines == 40
    assert {s.source for s in db.session.scalars(sa.select(RatingSnapshot))} == {RatingSource.CQC_FILE}
    abbotsfield = db.session.scalar(sa.select(Service).where(Service.cqc_location_id == "1-120314164"))
    assert (KeyQuestion.OVERALL, "Good", "Inadequate", ChangeDirection.DECLINE) in changes(abbotsfield)
