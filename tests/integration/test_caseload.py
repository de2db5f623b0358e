"""My caseload: whose services, most urgent first, filters, counts and the CSV."""

import csv
import io
from datetime import date, timedelta

import pytest

from provider_monitor.enums import Role, ServiceType
from provider_monitor.services.visit_rules import add_months
from tests import factories
from tests.conftest import sign_in_client
from tests.helpers import counted_queries, page, table_rows, text

TODAY = date.today()


def rated_service(name, officer, *, last_visit=None, overall="Good", **kwargs):
    service = factories.ServiceFactory(name=name, link_officer=officer, **kwargs)
    factories.record_ratings(service, factories.rating_state("2024-01-10", overall=overall))
    if last_visit:
        factories.VisitFactory(service=service, visited_on=last_visit)
    return service


@pytest.fixture
def market(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    colleague = factories.UserFactory(role=Role.OFFICER, name="Colin Colleague")
    contract_manager = factories.UserFactory(role=Role.CONTRACT_MANAGER, name="Connie Contracts")
    north = factories.DistrictFactory(name="Northshire")
    services = {
        "Overdue Far": rated_service("Overdue Far", officer, last_visit=TODAY - timedelta(days=500), district=north),
        "Overdue Near": rated_service(
            "Overdue Near",
            officer,
            last_visit=add_months(TODAY, -12) - timedelta(days=5),
            service_type=ServiceType.HOME_CARE,
        ),  # fmt: skip
        "Never House": rated_service("Never House", officer, overall="Inadequate", district=north),
        "Soon House": rated_service(
            "Soon House",
            officer,
            last_visit=add_months(TODAY + timedelta(days=10), -12),
            contract_manager=contract_manager,
        ),  # fmt: skip
        "Track House": rated_service("Track House", officer, last_visit=TODAY - timedelta(days=10)),
        "Other House": rated_service(
            "Other House", colleague, last_visit=TODAY - timedelta(days=900), contract_manager=contract_manager
        ),
    }
    rated_service("Closed House", officer, status="closed")
    return {"officer": officer, "colleague": colleague, "contract_manager": contract_manager, "north": north,
            "services": services}  # fmt: skip


def sign_in(client, user):
    sign_in_client(client.application, client, user)


def names(response) -> list[str]:
    assert response.status_code == 200
    return [row[0] for row in table_rows(page(response), "[data-testid=caseload]")]


def test_an_officer_sees_their_services_most_urgent_first(client, login_as, market):
    login_as(Role.OFFICER, name="Me")  # signed in, but with no services of their own
    assert names(client.get("/caseload")) == []
    sign_in(client, market["officer"])
    response = client.get("/caseload")
    assert names(response) == ["Overdue Far", "Overdue Near", "Never House", "Soon House", "Track House"]
    rows = table_rows(page(response), "[data-testid=caseload]")
    far = rows[0]
    assert far[1:5] == ["Care home without nursing", "Northshire", "Good", "None yet"]
    assert "Overdue" in far[6] and "days overdue" in far[6]
    assert "Every 12 months — Good (CQC Overall Good; no local rating yet)" in far[6]
    assert "Never visited, due now" in rows[2][6] and rows[2][5] == "Never"
    assert "Due soon" in rows[3][6] and "Due in 10 days" in rows[3][6]


def test_summary_counts(client, market):
    sign_in(client, market["officer"])
    soup = page(client.get("/caseload"))
    counts = {td["data-state"]: text(td) for td in soup.select("[data-testid=due-counts] td")}
    assert counts == {
        "overdue": "2 overdue", "never_visited": "1 never visited", "due_soon": "1 due soon", "on_track": "1 on track",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"due_state": "overdue"}, ["Overdue Far", "Overdue Near"]),
        ({"due_state": "never_visited"}, ["Never House"]),
        ({"service_type": "home_care"}, ["Overdue Near"]),
        ({"q": "house"}, ["Never House", "Soon House", "Track House"]),
        ({"q": "TRACK"}, ["Track House"]),
        ({"q": "%"}, []),
    ],
)
def test_filters(client, market, query, expected):
    sign_in(client, market["officer"])
    assert names(client.get("/caseload", query_string=query)) == expected


def test_district_filter(client, market):
    sign_in(client, market["officer"])
    assert names(client.get("/caseload", query_string={"district": market["north"].code})) == [
        "Overdue Far",
        "Never House",
    ]


def test_a_contract_manager_starts_on_their_contracts(client, market):
    sign_in(client, market["contract_manager"])
    assert names(client.get("/caseload")) == ["Other House", "Soon House"]


def test_a_manager_starts_on_all_services_and_can_choose_an_officer(client, login_as, market):
    login_as(Role.MANAGER)
    every = names(client.get("/caseload"))
    assert every[:3] == ["Other House", "Overdue Far", "Overdue Near"] and "Closed House" not in every
    assert len(every) == 6
    chosen = names(client.get("/caseload", query_string={"officer": market["colleague"].id}))
    assert chosen == ["Other House"]
    officer_select = page(client.get("/caseload")).select_one("select#officer")
    options = [text(o) for o in officer_select.select("option")]
    assert options[0] == "All services" and "Olive Officer (QMM officer)" in options


def test_an_unknown_officer_is_a_clear_400(client, login_as, market):
    login_as(Role.MANAGER)
    response = client.get("/caseload", query_string={"officer": "999999", "due_state": "late"})
    assert response.status_code == 400
    assert "Select link officer from the list" in response.get_data(as_text=True)
    assert client.get("/caseload.csv", query_string={"officer": "x"}).status_code == 400


def test_next_planned_visit_and_actions_rag(client, market):
    service = market["services"]["Soon House"]
    factories.VisitFactory(service=service, status="planned", visited_on=None, planned_on=TODAY + timedelta(days=3))
    factories.VisitFactory(service=service, status="planned", visited_on=None, planned_on=TODAY + timedelta(days=9))
    factories.VisitFactory(service=service, status="planned", visited_on=None, planned_on=TODAY - timedelta(days=2))
    factories.ActionFactory(service=service)
    factories.ActionFactory(service=service, due_on=TODAY - timedelta(days=1))
    factories.ActionFactory(service=service, due_on=TODAY - timedelta(days=1), status="verified")
    track = market["services"]["Track House"]
    factories.ActionFactory(service=track)
    # Evidence submitted stops the clock: pending (amber), not overdue.
    factories.ActionFactory(service=track, due_on=TODAY - timedelta(days=5), status="evidence_submitted")
    sign_in(client, market["officer"])
    rows = {row[0]: row for row in table_rows(page(client.get("/caseload")), "[data-testid=caseload]")}
    in_three_days = TODAY + timedelta(days=3)
    assert rows["Soon House"][7].startswith(f"{in_three_days.day} {in_three_days:%B %Y}")
    assert rows["Soon House"][8] == "2 open Red – overdue"
    assert rows["Track House"][8] == "2 open Amber – open, in time"
    assert rows["Overdue Far"][8] == "None"
    assert rows["Overdue Far"][7].startswith("None planned")


def test_the_csv_has_the_pages_rows_for_the_same_filters(client, market):
    sign_in(client, market["officer"])
    for query in ({}, {"due_state": "overdue"}, {"q": "house"}):
        shown = names(client.get("/caseload", query_string=query))
        response = client.get("/caseload.csv", query_string=query)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0][:3] == ["Service", "Service type", "District"]
        assert [row[0] for row in rows[1:]] == shown
    rows = list(csv.reader(io.StringIO(client.get("/caseload.csv").get_data(as_text=True))))
    far = dict(zip(rows[0], rows[1], strict=True))
    assert far["Due state"] == "Overdue" and far["Due"].endswith("days overdue")
    assert far["CQC Overall"] == "Good" and far["Open actions"] == "0" and far["Actions RAG"] == ""


def test_paging_after_sorting(client, market):
    officer = market["officer"]
    for n in range(50):
        factories.ServiceFactory(name=f"Extra {n:02d}", link_officer=officer)  # never visited
    sign_in(client, officer)
    first = page(client.get("/caseload"))
    assert len(table_rows(first, "[data-testid=caseload]")) == 50
    assert "page 1 of 2" in text(first.select_one("[data-testid=result-count]"))
    second = names(client.get("/caseload", query_string={"page": 2}))
    assert second == ["Extra 48", "Extra 49", "Never House", "Soon House", "Track House"]  # least urgent last
    csv_rows = client.get("/caseload.csv").get_data(as_text=True).strip().splitlines()
    assert len(csv_rows) == 1 + 55


def _add_services(officer, count):
    for n in range(count):
        service = rated_service(f"Load {n}", officer, last_visit=TODAY - timedelta(days=n * 20))
        factories.VisitFactory(service=service, status="planned", visited_on=None, planned_on=TODAY)
        factories.ActionFactory(service=service)


def test_the_page_runs_a_fixed_number_of_queries(client, app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    _add_services(officer, 5)
    sign_in(client, officer)
    with counted_queries() as few:
        assert len(names(client.get("/caseload"))) == 5
    _add_services(officer, 45)
    with counted_queries() as many:
        assert len(names(client.get("/caseload"))) == 50
    assert len(many) == len(few)


def test_plan_a_visit_links_only_when_visits_can_be_planned(client, app, market):
    sign_in(client, market["officer"])
    soup = page(client.get("/caseload"))
    links = [a for a in soup.select("[data-testid=caseload] a") if text(a).startswith("Plan a visit")]
    assert len(links) == (5 if "visits.plan" in app.view_functions else 0)


def test_provider_users_cannot_see_a_caseload(client, login_as, market):
    login_as(Role.PROVIDER)
    assert client.get("/caseload").status_code == 403
    assert client.get("/caseload.csv").status_code == 403
