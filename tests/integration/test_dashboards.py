"""The market and caseload dashboards: every figure against known data, exports, the report, query counts."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from provider_monitor.enums import Role, ServiceType
from provider_monitor.extensions import db
from provider_monitor.services.dashboards import Quarter
from provider_monitor.views import dashboards as dashboard_views
from tests import factories
from tests.conftest import sign_in_client
from tests.helpers import counted_queries, page, table_rows, text

TODAY = date(2026, 11, 23)  # in 2026Q4 (October to December 2026)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    monkeypatch.setattr(dashboard_views, "_today", lambda: TODAY)


def service(name, officer, district, *ratings, **kwargs):
    made = factories.ServiceFactory(name=name, link_officer=officer, district=district, **kwargs)
    if ratings:
        factories.record_ratings(made, *(factories.rating_state(day, overall=value) for day, value in ratings))
    return made


def visit(on, day, **kwargs):
    return factories.VisitFactory(service=on, visited_on=date.fromisoformat(day), **kwargs)


@pytest.fixture
def market(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    colleague = factories.UserFactory(role=Role.OFFICER, name="Colin Colleague")
    north = factories.DistrictFactory(name="Northshire")
    south = factories.DistrictFactory(name="Southdale")
    # Alpha: Requires improvement, visited 1 March 2025, then rated Good on 1 February 2026: improved.
    alpha = service("Alpha", officer, north, ("2024-01-10", "Requires improvement"), ("2026-02-01", "Good"))
    visit(alpha, "2025-03-01")
    # Beta: Outstanding since 2023, visited this quarter; no rating since.
    beta = service("Beta", colleague, north, ("2023-05-01", "Outstanding"), service_type=ServiceType.HOME_CARE)
    visit(beta, "2026-11-13")
    # Gamma: Good, visited 15 January 2025, then rated Inadequate on 15 October 2025: declined.
    gamma = service("Gamma", officer, south, ("2024-06-01", "Good"), ("2025-10-15", "Inadequate"))
    visit(gamma, "2025-01-15")
    # Delta: never rated, never had a routine visit (an unplanned, not full, visit does not count).
    delta = service("Delta", officer, None, service_type=ServiceType.HOME_CARE, registration_date=date(2024, 1, 1))
    visit(delta, "2026-11-01", kind="unplanned", purpose="concern")
    # Epsilon: Good, visited 10 December 2025, so its next visit falls due on 10 December 2026.
    epsilon = service("Epsilon", colleague, south, ("2024-02-01", "Good"))
    visit(epsilon, "2025-12-10")
    # A closed service counts nowhere.
    closed = service("Closed", officer, north, ("2024-01-01", "Good"), status="closed")
    visit(closed, "2026-11-02")
    factories.ActionFactory(service=closed, due_on=TODAY - timedelta(days=5))

    factories.ActionFactory(service=alpha, due_on=TODAY - timedelta(days=5))  # red
    factories.ActionFactory(service=alpha, status="in_progress", due_on=TODAY + timedelta(days=5))  # amber
    factories.ActionFactory(service=gamma, status="evidence_submitted", due_on=TODAY - timedelta(days=5))  # amber
    factories.ActionFactory(service=gamma, status="verified", due_on=TODAY - timedelta(days=5))  # not open

    factories.EscalationFactory(service=gamma, level=3, suspension_status="amber")
    factories.EscalationFactory(service=alpha, level=4)
    factories.EscalationFactory(service=None, provider_id=beta.provider_id, level=1)
    factories.EscalationFactory(service=epsilon, level=2, closed_on=TODAY - timedelta(days=3))

    factories.FlagFactory(on=alpha)
    factories.FlagFactory(on=gamma)
    factories.FlagFactory(on=gamma, kind="rating_decline", subject_key="rating_change:1")
    factories.FlagFactory(on=epsilon, resolved_at=datetime(2026, 11, 1, tzinfo=UTC))  # resolved
    db.session.commit()
    return {"officer": officer, "colleague": colleague}


def sign_in(client, user):
    sign_in_client(client.application, client, user)


def rows(response, name):
    assert response.status_code == 200
    return table_rows(page(response), f"[data-testid={name}] table")


def test_ratings_by_district_and_service_type(client, login_as, market):
    login_as(Role.MANAGER)
    response = client.get("/dashboards/market")
    header = ["Outstanding", "Good", "Requires improvement", "Inadequate", "Not rated"]
    soup = page(response)
    assert [text(th) for th in soup.select("[data-testid=ratings_by_district] thead th")][1:6] == header
    assert rows(response, "ratings_by_district") == [
        ["Northshire", "1", "1", "0", "0", "0", "2", "100.0%"],
        ["Southdale", "0", "1", "0", "1", "0", "2", "50.0%"],
        ["Not assigned to a district", "0", "0", "0", "0", "1", "1", "–"],
    ]
    assert rows(response, "ratings_by_service_type") == [
        ["Care home without nursing", "0", "2", "0", "1", "0", "3", "66.7%"],
        ["Home care", "1", "0", "0", "0", "1", "2", "100.0%"],
    ]


def test_share_good_or_better_per_quarter_uses_the_rating_in_force_at_each_quarter_end(client, login_as, market):
    login_as(Role.HEAD_OF_SERVICE)
    table = rows(client.get("/dashboards/market"), "good_over_time")
    assert [row[0] for row in table] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert table[0] == ["2025Q1", "31 March 2025", "4", "3", "75.0%"]
    # Gamma fell to Inadequate in October 2025 and Alpha rose to Good in February 2026.
    assert table[3] == ["2025Q4", "31 December 2025", "4", "2", "50.0%"]
    assert table[4] == ["2026Q1", "31 March 2026", "4", "3", "75.0%"]


def test_visits_this_quarter_and_due_states(client, login_as, market):
    login_as(Role.DIRECTOR)
    response = client.get("/dashboards/market")
    assert rows(response, "visits_this_quarter") == [
        ["Routine visits completed in the quarter", "1"],  # Beta; not Delta's unplanned visit, not the closed one
        ["Services visited in the quarter", "1"],
        ["Services whose routine visit falls due in the quarter, not yet done", "1"],  # Epsilon, 10 December
        ["Services due in the quarter: visited, or still due", "2"],
        ["Services whose visit fell due before the quarter and is still outstanding", "3"],  # Alpha, Gamma, Delta
    ]
    assert "2026Q4 (October to December 2026)" in text(page(response).select_one("#visits_this_quarter-caption"))
    assert rows(response, "visits_by_due_state") == [
        ["Overdue", "2"], ["Never visited", "1"], ["Due soon", "1"], ["On track", "1"],
    ]  # fmt: skip


def test_actions_escalations_and_flags(client, login_as, market):
    login_as(Role.ADMIN)
    response = client.get("/dashboards/market")
    assert rows(response, "actions_by_rag") == [["Red – overdue", "1"], ["Amber – open, in time", "2"]]
    assert rows(response, "escalations_by_level") == [
        ["Level 1", "1"], ["Level 2", "0"], ["Level 3 – Red – no new placements", "0"],
        ["Level 3 – Amber – place with caution", "1"], ["Level 4", "1"], ["Level 5", "0"],
    ]  # fmt: skip
    flags = dict(rows(response, "flags_by_kind"))
    assert flags["Visit overdue"] == "2" and flags["CQC rating decline"] == "1" and flags["Never visited"] == "0"


def test_ratings_before_and_after_monitoring_visits(client, login_as, market):
    login_as(Role.MANAGER)
    response = client.get("/dashboards/market")
    assert rows(response, "ratings_before_after") == [
        ["Improved", "1"],  # Alpha: Requires improvement, then Good
        ["Stayed the same", "0"],
        ["Declined", "1"],  # Gamma: Good, then Inadequate
        ["Good or better before the visit", "1"],
        ["Good or better at the next rating", "1"],
        ["Not rated before the visit (left out above)", "0"],
        ["No CQC Overall published since the visit (left out above)", "2"],  # Beta, Epsilon
    ]
    counted = text(page(response).select_one("[data-testid=ratings_before_after] [data-testid=counted]"))
    assert "first CQC Overall published after it" in counted and "counted once" in counted


def test_the_market_dashboard_is_for_managers_and_above(client, login_as, market):
    login_as(Role.OFFICER)
    assert client.get("/dashboards/market").status_code == 403
    assert client.get("/dashboards/market.csv?table=actions_by_rag").status_code == 403
    login_as(Role.CONTRACT_MANAGER)
    assert client.get("/dashboards/market/report").status_code == 403


def test_each_market_table_exports_to_csv_and_xlsx(client, login_as, market):
    login_as(Role.MANAGER)
    response = client.get("/dashboards/market.csv?table=ratings_by_district")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="market-ratings_by_district.csv"' in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert lines[0][0] == "District" and lines[0][-1] == "% Good or better"
    assert lines[1] == ["Northshire", "1", "1", "0", "0", "0", "2", "100.0"]
    assert lines[3][-1] == ""  # no share when nothing is rated
    response = client.get("/dashboards/market.xlsx?table=escalations_by_level")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Level", "Open escalations") and values[4] == ("Level 3 – Amber – place with caution", 1)
    assert client.get("/dashboards/market.csv?table=nothing").status_code == 404
    links = page(client.get("/dashboards/market")).select("[data-testid=flags_by_kind] a[download]")
    assert [link["href"] for link in links] == [
        "/dashboards/market.csv?table=flags_by_kind", "/dashboards/market.xlsx?table=flags_by_kind",
    ]  # fmt: skip


def test_exported_text_that_looks_like_a_formula_is_neutralised(client, login_as, market):
    factories.ServiceFactory(name="=HYPERLINK()", district=factories.DistrictFactory(name="=SUM(A1)"))
    db.session.commit()
    login_as(Role.MANAGER)
    csv_text = client.get("/dashboards/market.csv?table=ratings_by_district").get_data(as_text=True)
    assert "'=SUM(A1)" in csv_text
    sheet = load_workbook(io.BytesIO(client.get("/dashboards/market.xlsx?table=ratings_by_district").data)).active
    assert "'=SUM(A1)" in [row[0] for row in sheet.iter_rows(values_only=True)]


def test_the_quarterly_report_prints_a_chosen_quarter(client, login_as, market):
    login_as(Role.MANAGER)
    response = client.get("/dashboards/market/report?quarter=2025Q4")
    assert response.status_code == 200
    soup = page(response)
    assert "Adult social care market – 2025Q4" in text(soup.select_one("[data-testid=market-report] h1"))
    over_time = table_rows(soup, "[data-testid=good_over_time] table")
    assert over_time[0][0] == "2024Q1" and over_time[-1] == ["2025Q4", "31 December 2025", "4", "2", "50.0%"]
    # Epsilon was visited on 10 December 2025, the one routine visit in that quarter.
    quarter = dict(table_rows(soup, "[data-testid=visits_this_quarter] table"))
    assert quarter["Routine visits completed in the quarter"] == "1"
    assert soup.select("[data-testid=market-report] a[download]") == []  # no export links on paper
    assert soup.select_one(".pm-no-print") is not None


@pytest.mark.parametrize(
    ("quarter", "message"),
    [("Q3 2026", "Enter the quarter as a year and quarter, like 2026Q3"), ("2027Q1", "must be 2026Q4 or earlier")],
)
def test_the_report_refuses_a_bad_quarter(client, login_as, market, quarter, message):
    login_as(Role.MANAGER)
    response = client.get("/dashboards/market/report", query_string={"quarter": quarter})
    assert response.status_code == 400
    soup = page(response)
    assert message in text(soup.select_one(".govuk-error-summary"))
    assert soup.select_one("#quarter")["value"] == quarter


def test_quarters():
    assert str(Quarter.of(date(2026, 11, 23))) == "2026Q4"
    assert Quarter.parse("2026q3").end == date(2026, 9, 30)
    assert Quarter.parse("2026-Q1").previous() == Quarter(2025, 4)
    assert [str(q) for q in Quarter(2026, 2).last(3)] == ["2025Q4", "2026Q1", "2026Q2"]


def test_an_officers_caseload_dashboard(client, market):
    sign_in(client, market["officer"])
    response = client.get("/dashboards/caseload")
    assert rows(response, "due_states") == [
        ["Overdue", "2"],
        ["Never visited", "1"],
        ["Due soon", "0"],
        ["On track", "0"],
    ]
    # Gamma's and Alpha's escalations cap their visit interval at a month.
    assert rows(response, "overdue_visits") == [
        ["Gamma", "15 February 2025", "646", "Inadequate"], ["Alpha", "1 April 2025", "601", "Good"],
    ]  # fmt: skip
    assert rows(response, "actions_by_rag") == [["Red – overdue", "1"], ["Amber – open, in time", "2"]]
    assert rows(response, "escalations") == [["Alpha", "4", ""], ["Gamma", "3", "Amber – place with caution"]]
    flags = dict(rows(response, "flags_by_kind"))
    assert flags["Visit overdue"] == "2" and flags["CQC rating decline"] == "1"
    # An officer sees only their own caseload, whatever the address says.
    other = client.get(f"/dashboards/caseload?officer_id={market['colleague'].id}")
    assert rows(other, "due_states")[0] == ["Overdue", "2"] and page(other).select_one("select#officer_id") is None


def test_a_manager_picks_an_officer(client, login_as, market):
    login_as(Role.MANAGER)
    response = client.get(f"/dashboards/caseload?officer_id={market['colleague'].id}")
    assert "Colin Colleague" in text(page(response).select_one(".govuk-caption-l"))
    assert rows(response, "due_states") == [
        ["Overdue", "0"],
        ["Never visited", "0"],
        ["Due soon", "1"],
        ["On track", "1"],
    ]
    assert rows(response, "overdue_visits") == [["None."]]
    assert rows(response, "escalations") == [["Beta", "1", ""]]  # Beta's provider-wide escalation
    assert client.get("/dashboards/caseload?officer_id=99999").status_code == 404
    assert client.get("/dashboards/caseload?officer_id=abc").status_code == 404
    exported = client.get(f"/dashboards/caseload.csv?table=due_states&officer_id={market['colleague'].id}")
    assert list(csv.reader(io.StringIO(exported.get_data(as_text=True))))[3] == ["Due soon", "1"]
    sheet = load_workbook(io.BytesIO(client.get("/dashboards/caseload.xlsx?table=escalations").data)).active
    assert list(sheet.iter_rows(values_only=True)) == [("Service", "Level", "Suspension")]  # the manager's own


def _grow(officer, count):
    district = factories.DistrictFactory()
    for n in range(count):
        made = service(f"Grown {n}", officer, district, ("2024-01-01", "Good"), ("2025-06-01", "Inadequate"))
        visit(made, "2025-02-01")
        factories.ActionFactory(service=made)
        factories.FlagFactory(on=made)
        factories.EscalationFactory(service=made, level=2)
    db.session.commit()


def test_each_dashboard_runs_a_fixed_number_of_queries(client, login_as, app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    _grow(officer, 1)
    manager = login_as(Role.MANAGER)
    urls = ["/dashboards/market", "/dashboards/market/report", f"/dashboards/caseload?officer_id={officer.id}"]
    few = {}
    for url in urls:
        with counted_queries() as statements:
            assert client.get(url).status_code == 200
        few[url] = len(statements)
    _grow(officer, 6)
    sign_in(client, manager)
    for url in urls:
        with counted_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert len(statements) == few[url], url
    assert rows(client.get("/dashboards/market"), "escalations_by_level")[1] == ["Level 2", "7"]
