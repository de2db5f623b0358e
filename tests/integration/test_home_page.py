"""The staff home page: your flags (or all of them, for managers and above) and where to go next."""

from datetime import UTC, datetime, timedelta

import pytest

from provider_monitor.enums import FlagKind, Role
from tests import factories
from tests.factories import FlagFactory
from tests.helpers import counted_queries, page, table_rows, text


def _newest(soup) -> list[str]:
    return [row[4] for row in table_rows(soup, "[data-testid=newest-flags]")]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CONTRACT_MANAGER])
def test_officers_and_contract_managers_see_flags_on_their_services_and_assigned_to_them(client, login_as, role):
    me = login_as(role)
    field = "link_officer" if role == Role.OFFICER else "contract_manager"
    FlagFactory(on=factories.ServiceFactory(**{field: me}), evidence="mine")
    FlagFactory(kind=FlagKind.ACTION_OVERDUE, subject_key="action:1", evidence="assigned", assigned_to_id=me.id)
    FlagFactory(evidence="someone else's")
    FlagFactory(on=factories.ServiceFactory(**{field: me}), evidence="cleared", resolved_at=datetime.now(UTC))

    soup = page(client.get("/"))

    assert text(soup.select_one("h1")) == "Your flags"
    assert sorted(_newest(soup)) == ["assigned", "mine"]
    assert text(soup.select_one("[data-testid=flag-total]")) == "2 open flags"
    counts = {text(a): a["href"] for a in soup.select("[data-testid=kind-counts] a")}
    assert counts == {
        "Visit overdue: 1": "/flags?kind=visit_overdue&whose=mine",
        "Action overdue: 1": "/flags?kind=action_overdue&whose=mine",
    }
    # Each count's link shows exactly the flags it counted.
    listed = table_rows(page(client.get(counts["Visit overdue: 1"])), "[data-testid=flags]")
    assert [row[4] for row in listed] == ["mine"]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR, Role.ADMIN])
def test_managers_and_above_see_every_open_flag(client, login_as, role):
    login_as(role)
    FlagFactory(evidence="one")
    FlagFactory(evidence="two", kind=FlagKind.NEVER_VISITED)
    soup = page(client.get("/"))
    assert text(soup.select_one("h1")) == "Open flags"
    assert sorted(_newest(soup)) == ["one", "two"]
    assert soup.select_one("[data-testid=kind-counts] a[href='/flags?kind=never_visited&whose=all']") is not None


def test_the_newest_ten_are_shown_newest_first(client, login_as):
    login_as(Role.MANAGER)
    now = datetime.now(UTC)
    for n in range(12):
        FlagFactory(evidence=f"flag {n}", raised_at=now - timedelta(hours=n))
    soup = page(client.get("/"))
    assert _newest(soup) == [f"flag {n}" for n in range(10)]
    assert text(soup.select_one("[data-testid=flag-total]")) == "12 open flags"


def test_links_onward_and_a_calm_message_when_there_is_nothing(client, login_as):
    login_as(Role.OFFICER)
    soup = page(client.get("/"))
    assert text(soup.select_one("[data-testid=flag-total]")) == "No open flags for you."
    links = {text(a): a["href"] for a in soup.select("[data-testid=onward-links] a")}
    assert links["Caseload"] == "/caseload" and links["Action plans"] == "/action-plans"
    assert links["Escalations"] == "/escalations" and links["Flags"] == "/flags"


def test_provider_users_still_go_to_their_services(client, login_as):
    login_as(Role.PROVIDER)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/your-services"


def test_the_home_page_takes_the_same_number_of_queries_whatever_the_number_of_flags(client, login_as):
    login_as(Role.MANAGER)
    FlagFactory()

    def queries() -> int:
        with counted_queries() as statements:
            assert client.get("/").status_code == 200
        return len(statements)

    few = queries()
    for _ in range(5):
        FlagFactory(on=factories.ServiceFactory(link_officer=factories.UserFactory()),
                    assigned_to_id=factories.UserFactory().id)  # fmt: skip
    assert queries() == few
