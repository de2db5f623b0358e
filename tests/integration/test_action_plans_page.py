"""The Action plans page: whose services, filters with clear errors, RAG in SQL, paging, CSV and query count."""

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import RAG, ActionStatus, Role
from provider_monitor.extensions import db
from provider_monitor.models import Action, Service
from provider_monitor.services import action_plans, action_rules
from tests import factories
from tests.helpers import counted_queries, error_summary, field_error, page, table_rows, text

TODAY = date.today()


def _day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def _date(name: str, day: date) -> str:
    return "&".join(f"{name}={part}" for part in (day.day, day.month, day.year))


def _descriptions(response) -> list[str]:
    return [row[1] for row in table_rows(page(response), "[data-testid=actions]")]


def test_rag_in_sql_agrees_with_the_rules_for_every_status_and_due_date(app_ctx):
    today = date(2026, 6, 15)
    service = factories.ServiceFactory()
    cases = [(status, today + timedelta(days=d)) for status in ActionStatus for d in (-30, -1, 0, 1, 30)]
    ids = [factories.ActionFactory(service=service, status=s, due_on=due).id for s, due in cases]
    stmt = sa.select(Action.id, Action.status, Action.due_on, action_plans.rag_case(today)).where(Action.id.in_(ids))
    rows = db.session.execute(stmt).all()
    assert len(rows) == len(cases)
    for _, status, due_on, sql_rag in rows:
        assert RAG(sql_rag) == action_rules.rag(status, due_on, today), (status, due_on)
    # And filtering by RAG in SQL picks exactly the actions the rules colour that way.
    staff = factories.UserFactory(role=Role.MANAGER)
    for colour in RAG:
        found = action_plans.search(db.session, staff, action_plans.PlanFilters(rag=colour.value, per_page=500), today)
        expected = {(s, d) for s, d in cases if action_rules.rag(s, d, today) == colour}
        assert {(r.action.status, r.action.due_on) for r in found.items} == expected
        assert all(r.rag == colour for r in found.items)


def test_a_contract_manager_sees_open_actions_of_their_services_red_first(client, login_as):
    manager = login_as(Role.CONTRACT_MANAGER)
    mine = factories.ServiceFactory(name="Mine House", contract_manager=manager)
    theirs = factories.ServiceFactory(name="Their House")
    factories.ActionFactory(service=mine, description="Later", due_on=_day(20))
    factories.ActionFactory(service=mine, description="Overdue", due_on=_day(-2))
    factories.ActionFactory(service=mine, description="Sooner", due_on=_day(5))
    factories.ActionFactory(service=mine, description="Done", status="verified", due_on=_day(-9))
    factories.ActionFactory(service=theirs, description="Someone else's")

    response = client.get("/action-plans")

    soup = page(response)
    assert response.status_code == 200
    assert _descriptions(response) == ["Overdue", "Sooner", "Later"]
    assert "Red – overdue" in table_rows(soup, "[data-testid=actions]")[0][0]
    assert text(soup.select_one("[data-testid=rag-summary]")) == "Red: 1, Amber: 2, Green: 0"
    assert _descriptions(client.get("/action-plans?whose=all")) == ["Overdue", "Sooner", "Later", "Someone else's"]
    assert _descriptions(client.get("/action-plans?verified=y"))[-1] == "Done"


def test_officers_start_with_their_link_officer_services_and_managers_with_all(client, login_as):
    officer = login_as(Role.OFFICER)
    factories.ActionFactory(service=factories.ServiceFactory(link_officer=officer), description="Linked")
    factories.ActionFactory(description="Not linked")
    assert _descriptions(client.get("/action-plans")) == ["Linked"]
    login_as(Role.MANAGER)
    assert sorted(_descriptions(client.get("/action-plans"))) == ["Linked", "Not linked"]


def test_each_filter_narrows_the_list(client, login_as):
    login_as(Role.MANAGER)
    elm = factories.ServiceFactory(name="Elm House", provider__name="Elm Care Ltd")
    oak = factories.ServiceFactory(name="Oak Lodge", provider__name="Oakwood Homes")
    factories.ActionFactory(service=elm, description="A", key_question="safe", kind="corrective", priority="high",
                            due_on=_day(3))  # fmt: skip
    factories.ActionFactory(service=elm, description="B", key_question=None, kind="developmental", priority="low",
                            status="in_progress", due_on=_day(-3))  # fmt: skip
    factories.ActionFactory(service=oak, description="C", key_question="well_led", priority="medium",
                            status="evidence_submitted", due_on=_day(40))  # fmt: skip
    expectations = {
        "service=elm": ["B", "A"],
        f"provider_id={oak.provider_id}": ["C"],
        "provider=oakwood": ["C"],
        "provider=CARE+LTD": ["B", "A"],
        "key_question=safe": ["A"],
        "key_question=none": ["B"],
        "kind=developmental": ["B"],
        "priority=medium": ["C"],
        "status=evidence_submitted": ["C"],
        "rag=red": ["B"],
        "rag=amber": ["A", "C"],
        _date("due_from", _day(0)): ["A", "C"],
        _date("due_to", _day(10)): ["B", "A"],
        _date("due_from", _day(-5)) + "&" + _date("due_to", _day(5)): ["B", "A"],
        f"service_id={oak.id}": ["C"],
    }
    for query, expected in expectations.items():
        assert _descriptions(client.get(f"/action-plans?{query}")) == expected, query


def test_bad_filters_get_clear_messages(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    response = client.get("/action-plans?due_from=10&due_from=5&due_from=2026&due_to=1&due_to=5&due_to=2026&rag=purple")
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.string.startswith("Error: ")
    assert [m for m, _ in error_summary(soup)] == [
        "Select red, amber or green from the list", "Due to must be the same as or after due from",
    ]  # fmt: skip
    assert field_error(soup, "due_to-day") == "Due to must be the same as or after due from"
    response = client.get("/action-plans?due_from=31&due_from=2&due_from=2026")
    assert field_error(page(response), "due_from-day") == "Due from must be a real date"
    assert client.get("/action-plans.csv?rag=purple").status_code == 400


def test_the_csv_has_exactly_the_filtered_rows_of_every_page(app, client, login_as, monkeypatch):
    login_as(Role.MANAGER)
    service = factories.ServiceFactory(name="Elm House", provider__name="Elm Care Ltd")
    for n in range(5):
        factories.ActionFactory(service=service, description=f"Action {n}", due_on=_day(n - 2), owner="=cmd()")
    factories.ActionFactory(service=service, description="Verified", status="verified")
    monkeypatch.setitem(app.config, "ACTION_PLANS_PAGE_SIZE", 2)
    shown = []
    for number in (1, 2, 3):
        shown += table_rows(page(client.get(f"/action-plans?kind=corrective&page={number}")), "[data-testid=actions]")

    response = client.get("/action-plans.csv?kind=corrective")

    assert response.headers["Content-Disposition"] == 'attachment; filename="action-plans.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["RAG", "Action", "Service", "Provider", "Key question", "Kind", "Priority", "Due date",
                       "Status", "Owner"]  # fmt: skip
    assert [r[1] for r in rows[1:]] == ["Action 0", "Action 1", "Action 2", "Action 3", "Action 4"]
    assert rows[1][0] == "Red – overdue" and rows[1][2:4] == ["Elm House", "Elm Care Ltd"]
    assert rows[1][-1] == "'=cmd()"  # a formula is neutralised
    assert [r[1] for r in shown] == [r[1] for r in rows[1:]]
    assert [r[:9] for r in shown] == [r[:9] for r in rows[1:]]


def test_paging_keeps_rag_filtering_correct(app_ctx):
    staff = factories.UserFactory(role=Role.MANAGER)
    service = factories.ServiceFactory()
    for n in range(5):
        factories.ActionFactory(service=service, due_on=_day(-1 - n))
    for n in range(3):
        factories.ActionFactory(service=service, due_on=_day(1 + n))
    first = action_plans.search(db.session, staff, action_plans.PlanFilters(rag="red", per_page=2), TODAY)
    last = action_plans.search(db.session, staff, action_plans.PlanFilters(rag="red", per_page=2, page=3), TODAY)
    assert (first.total, first.pages, len(first.items), len(last.items)) == (5, 3, 2, 1)
    assert first.rag_counts == {RAG.RED: 5, RAG.AMBER: 0, RAG.GREEN: 0}
    assert [r.action.due_on for r in first.items] == [_day(-5), _day(-4)]


def test_the_page_makes_the_same_number_of_queries_however_many_actions(client, login_as):
    login_as(Role.MANAGER)
    factories.ActionFactory()

    def queries() -> int:
        with counted_queries() as statements:
            assert client.get("/action-plans").status_code == 200
        return len(statements)

    few = queries()
    for _ in range(8):
        factories.ActionFactory(service=factories.ServiceFactory())
    assert queries() == few


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CONTRACT_MANAGER, Role.MANAGER, Role.ADMIN])
def test_every_staff_role_can_open_the_page(client, login_as, role):
    login_as(role)
    assert client.get("/action-plans?whose=all").status_code == 200


def test_a_services_plan_rag_and_open_actions(app_ctx):
    staff = factories.UserFactory(role=Role.OFFICER)
    red, amber, green, none = (factories.ServiceFactory() for _ in range(4))
    factories.ActionFactory(service=red, due_on=_day(-1))
    factories.ActionFactory(service=red, due_on=_day(5), description="In time")
    factories.ActionFactory(service=red, status="verified", description="Done")
    factories.ActionFactory(service=amber, status="evidence_submitted", due_on=_day(-10))
    factories.ActionFactory(service=green, status="verified")
    ids = sa.select(Service.id)

    assert action_plans.plan_rag_by_service(db.session, ids, TODAY) == {
        red.id: RAG.RED, amber.id: RAG.AMBER, green.id: RAG.GREEN,
    }  # fmt: skip
    rows = action_plans.open_actions_for_service(db.session, staff, red.id, TODAY)
    assert [(r.rag, r.action.description) for r in rows][1] == (RAG.AMBER, "In time")
    assert rows[0].rag == RAG.RED and len(rows) == 2
    assert action_plans.open_actions_for_service(db.session, staff, none.id, TODAY) == []
    # A provider user sees only their own provider's actions.
    outsider = factories.UserFactory(role=Role.PROVIDER, provider=factories.ProviderFactory())
    assert action_plans.open_actions_for_service(db.session, outsider, red.id, TODAY) == []
