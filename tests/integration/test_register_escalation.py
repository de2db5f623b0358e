"""The register shows each service's escalation level and suspension, filters by them, and exports them."""

import csv
import io
from datetime import date

import pytest

from provider_monitor.enums import Role
from tests import factories
from tests.helpers import counted_queries, error_summary, field_error, page, table_rows, text


@pytest.fixture
def market(app_ctx):
    """Ash red (own), Birch amber (own), Cedar and Elm under their provider's level 2, Fir routine, Oak level 4."""
    chain = factories.ProviderFactory(name="Sherwood Care Group")
    single = factories.ProviderFactory(name="Lone Care Ltd")
    quiet = factories.ProviderFactory(name="Quiet Homes Ltd")
    services = {
        key: factories.ServiceFactory(name=name, provider=provider)
        for key, name, provider in (
            ("ash", "Ash House", chain), ("birch", "Birch House", chain), ("cedar", "Cedar House", chain),
            ("elm", "Elm House", single), ("fir", "Fir House", quiet), ("oak", "Oak House", single),
        )
    }  # fmt: skip
    factories.EscalationFactory(service=services["ash"], level=3, suspension_status="red")
    factories.EscalationFactory(service=services["birch"], level=3, suspension_status="amber")
    factories.EscalationFactory(service=None, provider_id=chain.id, level=2)
    # Elm's own level 1 is below its provider's level 2; Oak's own level 4 is above it.
    factories.EscalationFactory(service=services["elm"], level=1)
    factories.EscalationFactory(service=None, provider_id=single.id, level=2)
    factories.EscalationFactory(service=services["oak"], level=4)
    # Closed escalations count for nothing.
    factories.EscalationFactory(service=services["fir"], level=0, closed_on=date.today())
    return {**services, "chain": chain, "quiet": quiet}


def rows(response) -> dict[str, str]:
    """Service name → the escalation cell."""
    soup = page(response)
    cells = soup.select("[data-testid=register] tbody tr")
    return {text(row.select_one("td a")): text(row.select_one("[data-testid=escalation]")) for row in cells}


def test_the_register_shows_level_and_suspension_tags(client, login_as, market):
    login_as()
    response = client.get("/services")
    assert rows(response) == {
        "Ash House": "Suspended – red",
        "Birch House": "Suspended – amber",
        "Cedar House": "Level 2",
        "Elm House": "Level 2",
        "Fir House": "Routine",
        "Oak House": "Level 4",
    }
    soup = page(response)
    assert "Escalation" in [text(th) for th in soup.select("[data-testid=register] thead th")]
    tags = {text(tag): tag["class"] for tag in soup.select("[data-testid=escalation] .govuk-tag")}
    assert "govuk-tag--red" in tags["Suspended – red"]
    assert "govuk-tag--orange" in tags["Suspended – amber"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"escalation_level": "0"}, ["Fir House"]),
        ({"escalation_level": "1"}, []),
        ({"escalation_level": "2"}, ["Cedar House", "Elm House"]),
        ({"escalation_level": "3"}, ["Ash House", "Birch House"]),
        ({"escalation_level": "4"}, ["Oak House"]),
        ({"escalation_level": "above"}, ["Ash House", "Birch House", "Cedar House", "Elm House", "Oak House"]),
        ({"suspension": "red"}, ["Ash House"]),
        ({"suspension": "amber"}, ["Birch House"]),
        ({"escalation_level": "3", "suspension": "amber"}, ["Birch House"]),
        ({"escalation_level": "2", "suspension": "red"}, []),
        ({"escalation_level": "above", "q": "elm"}, ["Elm House"]),
    ],
)
def test_escalation_filters(client, login_as, market, query, expected):
    login_as()
    response = client.get("/services", query_string=query)
    assert response.status_code == 200
    assert list(rows(response)) == expected


def test_a_provider_wide_red_suspension_reaches_every_service_of_the_provider(client, login_as, market):
    extra = factories.ServiceFactory(name="Yew House", provider=market["quiet"])
    factories.EscalationFactory(service=None, provider_id=extra.provider_id, level=3, suspension_status="red")
    login_as()
    shown = rows(client.get("/services", query_string={"suspension": "red"}))
    assert shown == {"Ash House": "Suspended – red", "Fir House": "Suspended – red", "Yew House": "Suspended – red"}


def test_bad_escalation_filters_get_clear_messages(client, login_as, market):
    login_as()
    response = client.get("/services", query_string={"escalation_level": "9", "suspension": "green"})
    assert response.status_code == 400
    soup = page(response)
    messages = [message for message, _ in error_summary(soup)]
    assert "Select escalation level from the list" in messages
    assert "Select suspension from the list" in messages
    assert field_error(soup, "suspension") == "Select suspension from the list"


def test_paging_keeps_the_escalation_filter(client, login_as, app_ctx):
    login_as()
    for n in range(55):
        factories.EscalationFactory(service=factories.ServiceFactory(name=f"Home {n:02d}"), level=2)
    factories.ServiceFactory(name="Home 99 routine")
    soup = page(client.get("/services", query_string={"escalation_level": "2"}))
    assert text(soup.select_one("[data-testid=result-count]")) == "55 services, page 1 of 2"
    next_link = soup.select_one(".govuk-pagination__next a")["href"]
    assert "escalation_level=2" in next_link
    second = page(client.get(next_link))
    assert len(table_rows(second, "[data-testid=register]")) == 5


def test_the_csv_has_the_escalation_columns_and_honours_the_filters(client, login_as, market):
    login_as()
    everything = list(csv.reader(io.StringIO(client.get("/services.csv").get_data(as_text=True))))
    header = everything[0]
    assert header[-2:] == ["Escalation level", "Suspension"]
    by_name = {row[0]: row[-2:] for row in everything[1:]}
    assert by_name == {
        "Ash House": ["3", "Red"],
        "Birch House": ["3", "Amber"],
        "Cedar House": ["2", ""],
        "Elm House": ["2", ""],
        "Fir House": ["0", ""],
        "Oak House": ["4", ""],
    }
    filtered = client.get("/services.csv", query_string={"escalation_level": "3", "sort": "name", "direction": "desc"})
    assert [row[0] for row in csv.reader(io.StringIO(filtered.get_data(as_text=True)))][1:] == [
        "Birch House",
        "Ash House",
    ]
    assert client.get("/services.csv", query_string={"suspension": "green"}).status_code == 400


def test_the_page_takes_the_same_queries_however_many_services_are_escalated(client, login_as, market):
    login_as()
    client.get("/services")
    with counted_queries() as one:
        assert len(rows(client.get("/services", query_string={"q": "ash"}))) == 1
    for n in range(10):
        service = factories.ServiceFactory(name=f"Ash Grove {n}")
        factories.EscalationFactory(service=service, level=(1, 2, 4, 5)[n % 4])
        factories.EscalationFactory(service=None, provider_id=service.provider_id, level=2)
    with counted_queries() as many:
        shown = rows(client.get("/services", query_string={"q": "ash", "escalation_level": "above"}))
        assert len(shown) == 11
    assert len(one) == len(many)


def test_provider_users_still_cannot_use_the_register(client, login_as, market):
    login_as(Role.PROVIDER, provider=market["chain"])
    assert client.get("/services", query_string={"escalation_level": "3"}).status_code == 403
