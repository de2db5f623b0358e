"""Reading CQC bulk files by header name, with no database (all files here are SYNTHETIC unless named real)."""

import json
import zipfile
from datetime import date

import pytest

from provider_monitor.cqc import file_rows, spreadsheets
from provider_monitor.cqc.file_rows import RowProblem
from provider_monitor.cqc.files import FileKind, FileProblem, header_key, read_bulk_file
from provider_monitor.enums import KeyQuestion, ServiceType
from tests.cqc_sheets import BANNER, RATINGS_HEADER, ratings_row, write

OAK = [
    ratings_row("1-500", "Oak Lodge", "Overall", "Requires Improvement", "01/05/2026"),
    ratings_row("1-500", "Oak Lodge", "Safe", "Inadequate", "01/05/2026"),
]


def test_header_names_match_without_spaces_or_case():
    assert header_key("Location ID") == header_key("LocationID") == header_key(" location  id ") == "locationid"
    assert header_key("Service / Population Group") == header_key("Service/PopulationGroup")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods"])
def test_the_header_row_is_found_by_location_id_on_row_1_or_2(tmp_path, suffix):
    on_row_1 = read_bulk_file(write(tmp_path / f"row1{suffix}", {"Locations": [RATINGS_HEADER, *OAK]}))
    on_row_2 = read_bulk_file(write(tmp_path / f"row2{suffix}", {"Locations": [BANNER, RATINGS_HEADER, *OAK]}))
    assert (on_row_1.kind, on_row_1.header_row, on_row_2.header_row) == (FileKind.RATINGS_LOCATIONS, 1, 2)
    rows = list(on_row_2.rows())
    assert [number for number, _ in rows] == [3, 4]
    assert rows[0][1]["location_id"] == "1-500" and rows[1][1]["domain"] == "Safe"
    assert rows[0][1]["rating"] == "Requires Improvement" and rows[0][1]["published"] == "01/05/2026"


def test_columns_are_found_by_name_in_any_order_and_key_question_is_domain(tmp_path):
    header = [h if h != "Domain" else "Key Question" for h in RATINGS_HEADER]
    order = list(reversed(range(len(header))))
    path = write(tmp_path / "old.csv", {"s": [[header[i] for i in order], *[[r[i] for i in order] for r in OAK]]})
    rows = [row for _, row in read_bulk_file(path).rows()]
    assert [(r["location_id"], r["domain"], r["rating"]) for r in rows] == [
        ("1-500", "Overall", "Requires Improvement"), ("1-500", "Safe", "Inadequate")
    ]  # fmt: skip


def test_space_less_headers_are_the_providers_sheet(tmp_path):
    header = ["ProviderID", "ProviderName", "Service/PopulationGroup", "Domain", "LatestRating", "PublicationDate"]
    path = write(
        tmp_path / "providers.csv", {"s": [header, ["1-101", "Trust", "Overall", "Safe", "Good", "24/05/2019"]]}
    )
    bulk = read_bulk_file(path)
    assert bulk.kind == FileKind.RATINGS_PROVIDERS
    assert [row for _, row in bulk.rows()] == [
        {"provider_id": "1-101", "provider_name": "Trust", "group": "Overall", "domain": "Safe", "rating": "Good",
         "published": "24/05/2019"}
    ]  # fmt: skip


def test_the_real_providers_extract_is_recognised(shared_data):
    bulk = read_bulk_file(shared_data / "cqc" / "csv" / "latest_ratings_providers_2021-02_extract.csv")
    assert bulk.kind == FileKind.RATINGS_PROVIDERS and bulk.header_row == 1
    assert sum(1 for _ in bulk.rows()) == 4978


def test_missing_required_headers_are_named(tmp_path):
    header = [h for h in RATINGS_HEADER if h not in ("Latest Rating", "Publication Date")]
    with pytest.raises(FileProblem) as raised:
        read_bulk_file(write(tmp_path / "short.csv", {"s": [header, ["1-500"] * len(header)]}))
    message = str(raised.value)
    assert "Latest Rating" in message and "Publication Date" in message and "Nothing was imported" in message
    assert "Location ID" not in message.split("column(s):")[1]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("ratings.xlsx", b"this is not a zip file", "could not be read as XLSX"),
        ("ratings.ods", b"PK\x03\x04 cut short", "could not be read as ODS"),
        ("ratings.txt", b"Location ID,Domain", "only CSV, XLSX and ODS"),
        ("ratings.csv", b"Name,Address\nOak,1 High St\n", "no 'Location ID' or 'Provider ID' header"),
        ("ratings.csv", b"Location ID,Location Name\n1-500,Oak\n", "not a CQC file this command knows"),
    ],
)
def test_files_that_cannot_be_imported_say_why(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=expected):
        read_bulk_file(path)


def test_the_deactivated_locations_file_is_refused(tmp_path):
    header = ["Location ID", "Location Name", "Location HSCA End Date", "Location Latest Overall Rating"]
    with pytest.raises(FileProblem, match="Deactivated locations"):
        read_bulk_file(write(tmp_path / "deactivated.csv", {"s": [header, ["1-1", "Gone", "01/01/2020", "Good"]]}))


def test_the_locations_sheet_is_chosen_over_readme_and_providers(tmp_path):
    providers = [["Provider ID", "Service / Population Group", "Domain", "Latest Rating", "Publication Date"]]
    sheets = {"README": [["About this file"], ["Published monthly"]], "Providers": providers,
              "Locations": [BANNER, RATINGS_HEADER, *OAK]}  # fmt: skip
    bulk = read_bulk_file(write(tmp_path / "latest.xlsx", sheets))
    assert (bulk.kind, bulk.sheet, bulk.header_row) == (FileKind.RATINGS_LOCATIONS, "Locations", 2)
    assert len(list(bulk.rows())) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01/05/2026", date(2026, 5, 1)), ("1/5/2026", date(2026, 5, 1)), ("2026-05-01", date(2026, 5, 1)),
     ("2026-05-01T09:30:00", date(2026, 5, 1)), ("24/05/2019 - 10:15", date(2019, 5, 24)), ("", None), (None, None)],
)  # fmt: skip
def test_dates(text, expected):
    assert file_rows.file_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "05/31/2026", "soon", "2026"])
def test_a_date_that_is_not_a_date_is_a_row_problem(text):
    with pytest.raises(RowProblem, match="is not a date"):
        file_rows.file_date(text)


def test_a_location_report_keeps_each_key_question_with_its_date():
    rows = [
        {"location_id": "1-1", "group": "Overall", "domain": "Overall", "rating": "Requires Improvement",
         "published": "01/05/2026", "inherited": "Y"},
        {"location_id": "1-1", "group": "Overall", "domain": "well-led", "rating": "Not Rated",
         "published": "01/05/2026"},
        {"location_id": "1-1", "group": "Overall", "domain": "CARING", "rating": "Good", "published": "03/02/2021"},
    ]  # fmt: skip
    parsed = file_rows.ratings_report(rows)
    assert parsed.inherited and parsed.report.published_on == date(2026, 5, 1)
    assert {q: (r.value, r.published_on) for q, r in parsed.report.ratings.items()} == {
        KeyQuestion.OVERALL: ("Requires improvement", date(2026, 5, 1)),
        KeyQuestion.WELL_LED: ("Not Rated", date(2026, 5, 1)),
        KeyQuestion.CARING: ("Good", date(2021, 2, 3)),
    }


@pytest.mark.parametrize(
    ("row", "reason"),
    [({"group": "Overall", "domain": "Safe", "rating": "Good"}, None),
     ({"group": "Residential social care", "domain": "Safe", "rating": "Good"}, file_rows.GROUP_NOT_HELD),
     ({"group": "Overall", "domain": "Use of Resources", "rating": "Good"},
      "'Use of Resources' is not a key question rated per service"),
     ({"group": "overall", "domain": "Combined Quality Rating", "rating": "Good"},
      "'Combined Quality Rating' is not a key question rated per service"),
     ({"group": "Overall", "domain": "Safe"}, file_rows.NO_RATING)],
)  # fmt: skip
def test_rows_that_are_not_a_locations_own_key_question_are_skipped_with_a_reason(row, reason):
    assert file_rows.rating_row_skip(row) == reason


@pytest.mark.parametrize(
    ("flags", "expected"),
    [({"servicetype-carehomeservicewithnursing": "Y", "servicetype-carehomeservicewithoutnursing": "Y"},
      ServiceType.CARE_HOME_NURSING),
     ({"servicetype-carehomeservicewithoutnursing": "Y"}, ServiceType.CARE_HOME),
     ({"servicetype-domiciliarycareservice": "Y", "servicetype-supportedlivingservice": "Y"}, ServiceType.HOME_CARE),
     ({"servicetype-supportedlivingservice": "y"}, ServiceType.SUPPORTED_LIVING),
     ({"servicetype-extracarehousingservices": "Y"}, ServiceType.EXTRA_CARE),
     ({"servicetype-sharedlives": "Y"}, ServiceType.SHARED_LIVES),
     ({"care_home": "Y"}, ServiceType.CARE_HOME),
     ({"servicetype-hospiceservices": "Y"}, ServiceType.OTHER)],
)  # fmt: skip
def test_service_type_from_the_one_hot_columns(flags, expected):
    assert file_rows.service_type(flags) == expected


def test_one_hot_columns_are_read_from_the_directory(tmp_path):
    header = ["Location ID", "Location Name", "Location Local Authority", "Location Inspection Directorate",
              "Location Latest Overall Rating", "Publication Date", "Provider ID", "Provider Name",
              "Service type - Care home service with nursing", "Service type - Domiciliary care service"]  # fmt: skip
    rows = [["1-1", "Elm", "Nottinghamshire", "Adult social care", "Good", "01/01/2025", "1-9", "Elm Ltd", None, "Y"]]
    bulk = read_bulk_file(write(tmp_path / "hsca.xlsx", {"HSCA_Active_Locations": [header, *rows]}))
    assert bulk.kind == FileKind.HSCA_ACTIVE_LOCATIONS
    (_, row), *_ = bulk.rows()
    assert file_rows.directory_entry(row).record.service_type == ServiceType.HOME_CARE


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01234567", "01234567"), ("1234567", "01234567"), ("sc123456", "SC123456"), ("12 34 56 78", "12345678"),
     ("", None), ("123456789", None), ("none", None)],
)  # fmt: skip
def test_companies_house_numbers_keep_their_leading_zeros(text, expected):
    assert file_rows.companies_house_number(text) == expected


def test_an_api_dump_row_becomes_an_api_shaped_record():
    row = {"locationId": "1-1", "name": "Oak", "registrationDate": "04/11/2013", "numberOfBeds": "28",
           "onspdLatitude": "50.72", "mainPhoneNumber": "1392491261", "uprn": "10013048934",
           "currentRatings": "{'overall': {'rating': 'Good', 'reportDate': '2020-05-06'}}",
           "relationships": "[]"}  # fmt: skip
    assert file_rows.api_record(row) == {
        "locationId": "1-1", "name": "Oak", "registrationDate": "2013-11-04", "numberOfBeds": 28,
        "onspdLatitude": 50.72, "mainPhoneNumber": "01392491261", "uprn": "10013048934",
        "currentRatings": {"overall": {"rating": "Good", "reportDate": "2020-05-06"}}, "relationships": [],
    }  # fmt: skip


@pytest.mark.parametrize("text", ["[__import__('os').system('echo hacked')]", "{'a': open('x')}", "[1, 2"])
def test_nested_fields_are_literals_only_never_code(text):
    with pytest.raises(RowProblem, match="currentRatings is not a readable list or object"):
        file_rows.api_record({"locationId": "1-1", "currentRatings": text})


def test_the_real_api_dump_rebuilds_the_reconstructed_json_exactly(shared_data):
    bulk = read_bulk_file(shared_data / "cqc" / "csv" / "api_dump_care_homes_devon_torbay_plymouth_2021-02.csv")
    expected = json.loads(
        (shared_data / "cqc/api/locations_bulk/devon_torbay_plymouth_care_homes_2021-02_reconstructed.json").read_text()
    )
    assert bulk.kind == FileKind.API_DUMP
    rebuilt = [file_rows.api_record(row) for _, row in bulk.rows()]
    assert len(rebuilt) == len(expected) == 506
    assert rebuilt == expected


def _ods(path, rows_xml: str):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        f"{rows_xml}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return path


def test_ods_cells_are_streamed_with_repeats_spaces_dates_and_numbers(tmp_path):
    path = _ods(tmp_path / "cells.ods", (
        '<table:table table:name="README"><table:table-row><table:table-cell office:value-type="string">'
        "<text:p>About</text:p></table:table-cell></table:table-row></table:table>"
        '<table:table table:name="Locations"><table:table-header-rows><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>Location<text:s/>ID</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>X</text:p>'
        "</table:table-cell></table:table-row></table:table-header-rows>"
        '<table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="string">'
        '<text:p>a<text:s text:c="2"/><text:span>b</text:span></text:p></table:table-cell>'
        '<table:table-cell office:value-type="date" office:date-value="2019-05-24T00:00:00"><text:p>24/05/2019'
        '</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="28">'
        "<text:p>28.00</text:p></table:table-cell>"
        '<table:table-cell table:number-columns-repeated="16000"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="9"/>'
        "</table:table-row></table:table>"
    ))  # fmt: skip
    rows = [["Location ID", "X", "X"], ["a  b", "2019-05-24", "28"], ["a  b", "2019-05-24", "28"], []]
    named = [(index, name, list(rows)) for index, name, rows in spreadsheets.sheets(path)]
    assert named == [(0, "README", [["About"]]), (1, "Locations", rows)]
    fast = [(index, name, list(rows)) for index, name, rows in spreadsheets.sheets(path, names=False)]
    assert fast == [(0, None, [["About"]]), (1, None, rows)]


def test_an_ods_file_cut_short_is_a_file_problem_when_its_rows_are_read(tmp_path):
    path = _ods(tmp_path / "cut.ods", "")
    full = (
        '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        '<table:table table:name="Locations">'
        + "".join(
            "<table:table-row>" + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in row)
            + "</table:table-row>" for row in [RATINGS_HEADER, *OAK]
        )
    )  # fmt: skip
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", full[: full.rindex("<table:table-row>") + 40])  # the last row cut off
    bulk = read_bulk_file(path)
    with pytest.raises(FileProblem, match="could not be read as ODS"):
        list(bulk.rows())
