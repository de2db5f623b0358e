"""Every list page downloads as CSV and as XLSX: the same filters, columns, values and access rules in both."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from provider_monitor.enums import Role, ServiceType
from provider_monitor.extensions import db
from provider_monitor.jinja import format_date
from provider_monitor.models import Provider
from tests import factories
from tests.helpers import page

TODAY = date.today()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA = '=HYPERLINK("http://evil.example","Click")'
SAFE_FORMULA = "'" + FORMULA


def midnight(day: date) -> datetime:
    """A date as openpyxl reads a date cell back."""
    return datetime.combine(day, datetime.min.time())


def _csv_text(value, date_text) -> str:
    """A spreadsheet cell as the CSV writes it, to compare the two downloads cell by cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return date_text(value.date())
    return str(value)


def downloads(client, path: str, query=None, *, date_text=format_date):
    """The CSV and XLSX twins of one list: both 200, named alike, and the same header and rows.

    Returns the CSV rows (header first) and the workbook's rows as read (dates as datetimes, numbers as numbers).
    """
    # Each body is read before the next request: a streamed body runs in its own request's context.
    as_csv = client.get(f"{path}.csv", query_string=query)
    csv_text = as_csv.get_data(as_text=True)
    as_xlsx = client.get(f"{path}.xlsx", query_string=query)
    xlsx_data = as_xlsx.get_data()
    name = path.strip("/")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert as_xlsx.status_code == 200 and as_xlsx.mimetype == XLSX
    assert as_csv.headers["Content-Disposition"] == f'attachment; filename="{name}.csv"'
    assert as_xlsx.headers["Content-Disposition"] == f'attachment; filename="{name}.xlsx"'
    csv_rows = list(csv.reader(io.StringIO(csv_text)))
    book = load_workbook(io.BytesIO(xlsx_data))
    assert len(book.worksheets) == 1
    sheet_rows = list(book.active.iter_rows(values_only=True))
    assert [[_csv_text(v, date_text) for v in row] for row in sheet_rows] == csv_rows
    return csv_rows, sheet_rows


def download_links(client, path: str, query=None) -> list[str]:
    soup = page(client.get(path, query_string=query))
    return [a["href"] for a in soup.select("[data-testid=downloads] a[download]")]


def refused(client, path: str, status: int = 403) -> None:
    for suffix in (".csv", ".xlsx"):
        assert client.get(path + suffix).status_code == status, path + suffix


# The register ------------------------------------------------------------------------------------------------


@pytest.fixture
def register(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    north = factories.DistrictFactory(name="Northshire")
    home = factories.ServiceFactory(
        name=FORMULA, service_type=ServiceType.HOME_CARE, district=north, link_officer=officer,
        provider__name="Acme Care", provider__cqc_provider_id="1-555", cqc_location_id="1-777", postcode="NG1 1AA",
    )  # fmt: skip
    factories.record_ratings(home, factories.rating_state("2025-01-10", overall="Good", safe="Requires improvement"))
    factories.EscalationFactory(service=home, level=3, suspension_status="red")
    factories.ServiceFactory(name="Care Home Not Wanted", service_type=ServiceType.CARE_HOME)
    return {"home": home, "officer": officer}


def test_the_register_downloads_as_csv_and_xlsx_with_the_pages_filters(client, login_as, register):
    login_as(Role.OFFICER)
    query = {"service_type": "home_care"}
    csv_rows, sheet_rows = downloads(client, "/services", query)
    assert csv_rows[0][:3] == ["Service name", "CQC location ID", "Provider"] and csv_rows[0][-2:] == [
        "Escalation level", "Suspension",
    ]  # fmt: skip
    assert len(csv_rows) == 2  # the care home is filtered out of both
    row = dict(zip(csv_rows[0], csv_rows[1], strict=True))
    assert (row["Service name"], row["Provider"], row["CQC provider ID"], row["District"]) == (
        SAFE_FORMULA, "Acme Care", "1-555", "Northshire",
    )  # fmt: skip
    assert (row["Link officer"], row["CQC Overall"], row["CQC Safe"], row["Suspension"]) == (
        "Olive Officer", "Good", "Requires improvement", "Red",
    )  # fmt: skip
    # In the workbook the level is a number and the formula stays text.
    assert sheet_rows[1][0] == SAFE_FORMULA and sheet_rows[1][csv_rows[0].index("Escalation level")] == 3
    links = download_links(client, "/services", query)
    assert links == ["/services.csv?service_type=home_care", "/services.xlsx?service_type=home_care"]


def test_the_formula_looking_name_is_text_in_the_workbook_not_a_formula(client, login_as, register):
    login_as(Role.MANAGER)
    response = client.get("/services.xlsx", query_string={"service_type": "home_care"})
    cell = load_workbook(io.BytesIO(response.data)).active["A2"]
    assert cell.data_type == "s" and cell.value == SAFE_FORMULA


def test_bad_register_filters_are_a_400_for_the_xlsx_too(client, login_as, register):
    login_as(Role.OFFICER)
    response = client.get("/services.xlsx", query_string={"suspension": "green"})
    assert response.status_code == 400


# My caseload -------------------------------------------------------------------------------------------------


def test_the_caseload_downloads_with_dates_as_dates(client, login_as, app_ctx):
    officer = login_as(Role.OFFICER, name="Olive Officer")
    other = factories.UserFactory(role=Role.OFFICER)
    visited = factories.ServiceFactory(name="Visited House", link_officer=officer)
    factories.VisitFactory(service=visited, visited_on=TODAY - timedelta(days=10))
    factories.ServiceFactory(name="=SUM(A1)", link_officer=officer)
    factories.ServiceFactory(name="Someone Else's House", link_officer=other)
    csv_rows, sheet_rows = downloads(client, "/caseload")  # an officer starts on their own services
    assert csv_rows[0][:3] == ["Service", "Service type", "District"]
    assert sorted(row[0] for row in csv_rows[1:]) == ["'=SUM(A1)", "Visited House"]
    header = csv_rows[0]
    visited_row = next(row for row in sheet_rows if row[0] == "Visited House")
    assert visited_row[header.index("Last routine visit")] == midnight(TODAY - timedelta(days=10))
    assert isinstance(visited_row[header.index("Open actions")], int)
    # Another officer's services, when asked for: the same filter in both.
    csv_rows, _ = downloads(client, "/caseload", {"officer": str(other.id)})
    assert [row[0] for row in csv_rows[1:]] == ["Someone Else's House"]
    links = download_links(client, "/caseload", {"officer": str(other.id)})
    assert links == [f"/caseload.csv?officer={other.id}", f"/caseload.xlsx?officer={other.id}"]


# Action plans ------------------------------------------------------------------------------------------------


def test_action_plans_download_with_the_pages_filters(client, login_as, app_ctx):
    login_as(Role.MANAGER)
    service = factories.ServiceFactory(name="Oak Lodge", provider__name="Oak Group")
    due = TODAY + timedelta(days=28)
    factories.ActionFactory(service=service, description="+Fix the rota", kind="corrective", due_on=due)
    factories.ActionFactory(service=service, description="Train the staff", kind="developmental")
    query = {"whose": "all", "kind": "corrective"}
    csv_rows, sheet_rows = downloads(client, "/action-plans", query)
    assert csv_rows[0] == ["RAG", "Action", "Service", "Provider", "Key question", "Kind", "Priority", "Due date",
                           "Status", "Owner"]  # fmt: skip
    assert csv_rows[1:] == [["Amber – open, in time", "'+Fix the rota", "Oak Lodge", "Oak Group", "Safe",
                             "Corrective (must)", "Medium", format_date(due), "Open",
                             "Registered manager"]]  # fmt: skip
    assert sheet_rows[1][7] == midnight(due)
    assert download_links(client, "/action-plans", query) == [
        "/action-plans.csv?whose=all&kind=corrective", "/action-plans.xlsx?whose=all&kind=corrective",
    ]  # fmt: skip


# Flags -------------------------------------------------------------------------------------------------------


def test_flags_download_with_the_pages_filters(client, login_as, app_ctx):
    login_as(Role.MANAGER)
    service = factories.ServiceFactory(name="-Minus House", provider__name="Minus Group")
    flag = factories.FlagFactory(on=service, kind="visit_overdue", evidence="@Visit overdue by 40 days")
    factories.FlagFactory(kind="rating_decline")
    query = {"whose": "all", "kind": "visit_overdue"}
    csv_rows, sheet_rows = downloads(client, "/flags", query)
    assert csv_rows[0][0] == "Flag" and csv_rows[0][-1] == "Flag id"
    assert len(csv_rows) == 2
    row = dict(zip(csv_rows[0], csv_rows[1], strict=True))
    assert (row["Service"], row["Provider"], row["Evidence"], row["Flag id"]) == (
        "'-Minus House", "Minus Group", "'@Visit overdue by 40 days", str(flag.id),
    )  # fmt: skip
    assert row["Raised"] == format_date(flag.raised_at) and row["Resolved"] == ""
    assert sheet_rows[1][-1] == flag.id and isinstance(sheet_rows[1][csv_rows[0].index("Raised")], datetime)
    assert client.get("/flags.xlsx", query_string={"severity": "bad"}).status_code == 400


# Rating changes ----------------------------------------------------------------------------------------------


def test_rating_changes_download_with_the_pages_filters(client, login_as, app_ctx):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory(name="Willow House", cqc_location_id="1-100000001")
    factories.record_ratings(
        service,
        factories.rating_state("2026-01-01", overall="Good", safe="Requires improvement"),
        factories.rating_state("2026-06-01", overall="Inadequate", safe="Good"),
    )
    query = {"direction": "decline"}
    csv_rows, sheet_rows = downloads(client, "/rating-changes", query, date_text=date.isoformat)
    assert csv_rows[1:] == [["2026-06-01", "Willow House", "1-100000001", "", "Care home without nursing", "Overall",
                             "Good", "Inadequate", "Decline", "Yes"]]  # fmt: skip
    assert sheet_rows[1][0] == datetime(2026, 6, 1)
    links = download_links(client, "/rating-changes", query)
    assert links == ["/rating-changes.csv?direction=decline", "/rating-changes.xlsx?direction=decline"]


# Concerns ----------------------------------------------------------------------------------------------------


@pytest.fixture
def concerns(app_ctx):
    service = factories.ServiceFactory(name="Beech House", provider__name="Beech Group")
    secret = factories.ConcernFactory(
        service=service, severity="high", source="whistleblower", category="safeguarding",
        description="=Night staff asleep on shift", source_identity="Deputy manager Sam Smith",
        safeguarding_reference="SG-42", safeguarding_detail="Referred to the MASH", confidential=True,
        people_affected=3,
    )  # fmt: skip
    factories.ConcernFactory(service=service, severity="low", description="Low concern not wanted")
    return {"service": service, "secret": secret}


def test_concerns_download_with_the_confidential_parts_for_an_officer(client, login_as, concerns):
    login_as(Role.OFFICER)
    query = {"severity": "high"}
    csv_rows, sheet_rows = downloads(client, "/concerns", query)
    assert len(csv_rows) == 2
    row = dict(zip(csv_rows[0], csv_rows[1], strict=True))
    assert (row["About"], row["Provider"], row["Severity"], row["Status"]) == (
        "Beech House", "Beech Group", "High", "Open",
    )  # fmt: skip
    assert row["Description"] == "'=Night staff asleep on shift"
    assert (row["Who raised it"], row["Safeguarding detail"]) == ("Deputy manager Sam Smith", "Referred to the MASH")
    assert (row["Safeguarding reference"], row["Asked not to be identified"]) == ("SG-42", "Yes")
    header = csv_rows[0]
    assert sheet_rows[1][header.index("Number of people affected")] == 3
    assert sheet_rows[1][header.index("Received")] == midnight(TODAY - timedelta(days=7))
    assert download_links(client, "/concerns", query) == ["/concerns.csv?severity=high", "/concerns.xlsx?severity=high"]


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.ADMIN])
def test_concern_downloads_withhold_the_confidential_parts_as_the_page_does(client, login_as, concerns, role):
    login_as(role)
    csv_rows, sheet_rows = downloads(client, "/concerns", {"severity": "high"})
    row = dict(zip(csv_rows[0], csv_rows[1], strict=True))
    assert (row["Who raised it"], row["Safeguarding detail"]) == ("Withheld", "Withheld")
    assert row["Description"] == "'=Night staff asleep on shift"  # not confidential: shown as on the page
    for body in (client.get("/concerns.csv").get_data(as_text=True), str(sheet_rows)):
        assert "Sam Smith" not in body and "MASH" not in body


def test_the_concern_download_starts_on_open_concerns_like_the_page(client, login_as, concerns):
    factories.ConcernFactory(service=concerns["service"], status="closed", closed_on=TODAY,
                             closed_reason="Resolved", description="Closed one")  # fmt: skip
    login_as(Role.OFFICER)
    csv_rows, _ = downloads(client, "/concerns")
    assert "Closed one" not in [row[7] for row in csv_rows]
    csv_rows, _ = downloads(client, "/concerns", {"status": "closed"})
    assert [(row[7], row[13], row[14]) for row in csv_rows[1:]] == [("Closed one", format_date(TODAY), "Resolved")]


def test_bad_concern_filters_are_a_400_and_an_unknown_service_a_404(client, login_as, concerns):
    login_as(Role.OFFICER)
    for suffix in (".csv", ".xlsx"):
        assert client.get(f"/concerns{suffix}?severity=huge").status_code == 400
        later = {"received_from": ["1", "1", str(TODAY.year + 1)]}
        assert client.get(f"/concerns{suffix}", query_string=later).status_code == 400
        assert client.get(f"/concerns{suffix}?service_id=99999").status_code == 404
    one = {"service_id": str(concerns["service"].id), "status": "open"}
    csv_rows, _ = downloads(client, "/concerns", one)
    assert len(csv_rows) == 3


# The escalations board ---------------------------------------------------------------------------------------


@pytest.fixture
def board(app_ctx):
    lead = factories.UserFactory(role=Role.MANAGER, name="Lena Lead")
    red = factories.EscalationFactory(
        service__name="@Red House", service__provider__name="Red Group", level=3, suspension_status="red",
        lead_officer=lead, next_review_on=TODAY - timedelta(days=2),
    )  # fmt: skip
    factories.EscalationTimerFactory(escalation=red, kind="level_review", due_on=TODAY - timedelta(days=1))
    factories.EscalationFactory(service__name="Level One House", level=1)
    return {"red": red, "lead": lead}


def test_the_escalations_board_downloads_with_its_filters(client, login_as, board):
    login_as(Role.OFFICER)
    query = {"level": "3"}
    csv_rows, sheet_rows = downloads(client, "/escalations", query)
    assert len(csv_rows) == 2
    row = dict(zip(csv_rows[0], csv_rows[1], strict=True))
    assert (row["Level"], row["Suspension"], row["Service"], row["Provider"], row["Lead officer"]) == (
        "3", "Red – no new placements", "'@Red House", "Red Group", "Lena Lead",
    )  # fmt: skip
    assert (row["Review overdue"], row["Deadlines missed"], row["Next deadline"]) == (
        "Yes", "1", "Review of the escalation level",
    )  # fmt: skip
    assert row["Next review"] == format_date(TODAY - timedelta(days=2))
    header = csv_rows[0]
    assert sheet_rows[1][0] == 3 and sheet_rows[1][header.index("Escalation id")] == board["red"].id
    assert isinstance(sheet_rows[1][header.index("Next deadline due")], datetime)
    everything, _ = downloads(client, "/escalations")
    assert [row[3] for row in everything[1:]] == ["'@Red House", "Level One House"]  # the board's order
    assert download_links(client, "/escalations", query) == ["/escalations.csv?level=3", "/escalations.xlsx?level=3"]
    assert client.get("/escalations.xlsx?level=9").status_code == 400


# Providers ---------------------------------------------------------------------------------------------------


def test_the_providers_list_downloads_with_its_search(client, login_as, app_ctx):
    login_as(Role.OFFICER)
    acme = factories.ProviderFactory(name="+Acme Care", cqc_provider_id="1-999")
    factories.ServiceFactory(provider=acme)
    factories.ServiceFactory(provider=acme)
    factories.ProviderFactory(name="Zeta Care")
    csv_rows, sheet_rows = downloads(client, "/providers", {"q": "acme"})
    assert csv_rows == [["Provider", "CQC provider ID", "Sector", "Services", "Provider id"],
                        ["'+Acme Care", "1-999", "Independent", "2", str(acme.id)]]  # fmt: skip
    assert sheet_rows[1][3] == 2
    assert download_links(client, "/providers", {"q": "acme"}) == ["/providers.csv?q=acme", "/providers.xlsx?q=acme"]


def test_the_providers_download_is_every_provider_not_one_page(client, login_as, app_ctx):
    login_as(Role.OFFICER)
    for n in range(55):
        factories.ProviderFactory(name=f"Provider {n:02d}")
    csv_rows, _ = downloads(client, "/providers")
    assert len(csv_rows) - 1 == 55


# Who may download --------------------------------------------------------------------------------------------

LISTS = ("/services", "/caseload", "/action-plans", "/flags", "/rating-changes", "/concerns", "/escalations",
         "/providers")  # fmt: skip


def test_provider_users_are_refused_every_list_download(client, login_as, other_provider_records):
    own = factories.ServiceFactory(name="Own Lodge", provider__name="Own Group")
    login_as(Role.PROVIDER, provider=db.session.get(Provider, own.provider_id))
    for path in LISTS:
        refused(client, path)


def test_signed_out_visitors_are_sent_to_sign_in(client, app_ctx):
    for path in LISTS:
        for suffix in (".csv", ".xlsx"):
            response = client.get(path + suffix)
            assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# User accounts (admins only, for the access review) ----------------------------------------------------------


def test_admins_download_every_user_account_for_the_access_review(client, login_as):
    provider = factories.ProviderFactory(name="Acme Care")
    factories.UserFactory(name=FORMULA, role=Role.PROVIDER, provider=provider, email="pat@acme.example")
    factories.UserFactory(name="Gone Officer", role=Role.OFFICER, active=False, email="gone@council.example")
    login_as(Role.ADMIN)

    links = download_links(client, "/admin/users")
    as_csv = client.get("/admin/users/export.csv")
    csv_text = as_csv.get_data(as_text=True)  # read before the next request: the CSV streams in its own context
    as_xlsx = client.get("/admin/users/export.xlsx")

    assert links == ["/admin/users/export.csv", "/admin/users/export.xlsx"]
    assert as_xlsx.mimetype == XLSX
    assert as_csv.headers["Content-Disposition"] == 'attachment; filename="users.csv"'
    rows = list(csv.reader(io.StringIO(csv_text)))
    sheet = load_workbook(io.BytesIO(as_xlsx.get_data())).active.iter_rows(values_only=True)
    sheet = [["" if value is None else value for value in row] for row in sheet]
    assert rows[0] == ["Name", "Email address", "Role", "Provider", "Status", "Locked", "Last signed in"]
    assert sheet == rows
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["pat@acme.example"] == [SAFE_FORMULA, "pat@acme.example", "Provider user", "Acme Care", "Active",
                                            "No", "Never"]  # fmt: skip
    assert by_email["gone@council.example"][4] == "Deactivated"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OFFICER, Role.PROVIDER])
def test_only_admins_download_user_accounts(client, login_as, role):
    login_as(role)
    refused(client, "/admin/users/export")
