"""The register: search, filter, sort, page and export exactly what is shown."""

import csv
import io

import pytest

from provider_monitor.enums import RegistrationStatus, Role, Sector, ServiceType
from tests import factories
from tests.helpers import error_summary, field_error, page, table_rows, text


@pytest.fixture
def market(app_ctx):
    """A small market across two districts, with one council-run service."""
    ashfield = factories.DistrictFactory(code="E07000170", name="Ashfield")
    mansfield = factories.DistrictFactory(code="E07000174", name="Mansfield")
    officer = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    manager = factories.UserFactory(role=Role.CONTRACT_MANAGER, name="Connie Contracts")
    chain = factories.ProviderFactory(name="Sherwood Care Group", cqc_provider_id="1-101641498")
    council = factories.ProviderFactory(
        name="Nottinghamshire County Council", sector=Sector.COUNCIL_RUN, cqc_provider_id=None
    )
    services = {
        "oak": factories.ServiceFactory(
            name="Oak Lodge", provider=chain, district=ashfield, town="Hucknall", postcode="NG15 7AB",
            cqc_location_id="1-1000210669", link_officer=officer, contract_manager=manager,
        ),
        "elm": factories.ServiceFactory(
            name="Elm House", provider=chain, district=mansfield, town="Mansfield", postcode="NG18 5BH",
            service_type=ServiceType.CARE_HOME_NURSING,
        ),
        "ash": factories.ServiceFactory(
            name="Ashcroft Home Care", provider=chain, district=mansfield, town="Warsop", postcode="NG20 0AA",
            service_type=ServiceType.HOME_CARE, registration_status=RegistrationStatus.DEREGISTERED,
        ),
        "day": factories.ServiceFactory(
            name="Brook Day Opportunities", provider=council, district=ashfield, town="Sutton-in-Ashfield",
            postcode="NG17 1AA", service_type=ServiceType.DAY_OPPORTUNITIES, regulated=False,
            registration_status=RegistrationStatus.NOT_REGISTERED, cqc_location_id=None,
        ),
    }  # fmt: skip
    return {"officer": officer, "manager": manager, "chain": chain, **services}


def names(response) -> list[str]:
    return [row[0].split(" 1-")[0] for row in table_rows(page(response), "[data-testid=register]")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lodge", ["Oak Lodge"]),
        ("1-1000210669", ["Oak Lodge"]),
        ("1-101641498", ["Ashcroft Home Care", "Elm House", "Oak Lodge"]),
        ("ng185bh", ["Elm House"]),
        ("NG18 5", ["Elm House"]),
        ("warsop", ["Ashcroft Home Care"]),
        ("100%_", []),
    ],
)
def test_search_by_name_ids_postcode_and_town(client, login_as, market, query, expected):
    login_as()
    assert names(client.get("/services", query_string={"q": query})) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"service_type": "home_care"}, ["Ashcroft Home Care"]),
        ({"district": "E07000170"}, ["Brook Day Opportunities", "Oak Lodge"]),
        ({"sector": "internal"}, ["Brook Day Opportunities"]),
        ({"sector": "external"}, ["Ashcroft Home Care", "Elm House", "Oak Lodge"]),
        ({"regulated": "no"}, ["Brook Day Opportunities"]),
        ({"registration_status": "deregistered"}, ["Ashcroft Home Care"]),
    ],
)
def test_filters(client, login_as, market, filters, expected):
    login_as()
    assert names(client.get("/services", query_string=filters)) == expected


def test_filter_by_link_officer_and_contract_manager(client, login_as, market):
    login_as()
    assert names(client.get("/services", query_string={"link_officer": market["officer"].id})) == ["Oak Lodge"]
    assert names(client.get("/services", query_string={"contract_manager": market["manager"].id})) == ["Oak Lodge"]


def test_sorting_by_town_descending(client, login_as, market):
    login_as()
    response = client.get("/services", query_string={"sort": "town", "direction": "desc"})
    assert names(response) == ["Ashcroft Home Care", "Brook Day Opportunities", "Elm House", "Oak Lodge"]


def test_paging_keeps_the_filters(client, login_as, app_ctx):
    login_as()
    for n in range(60):
        factories.ServiceFactory(name=f"Home {n:02d}", service_type=ServiceType.HOME_CARE)
    soup = page(client.get("/services", query_string={"service_type": "home_care"}))
    assert text(soup.select_one("[data-testid=result-count]")) == "60 services, page 1 of 2"
    next_link = soup.select_one(".govuk-pagination__next a")["href"]
    assert "service_type=home_care" in next_link
    second = page(client.get(next_link))
    assert len(table_rows(second, "[data-testid=register]")) == 10


def test_bad_filters_get_clear_messages_not_errors(client, login_as, market):
    login_as()
    response = client.get("/services", query_string={"q": "x" * 101, "service_type": "spaceship", "sort": "shoe"})
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.text.startswith("Error:")
    messages = [message for message, _ in error_summary(soup)]
    assert "Search must be 100 characters or fewer" in messages
    assert "Select service type from the list" in messages
    assert field_error(soup, "sort") == "Select sort by from the list"
    assert soup.select_one("#q")["value"] == "x" * 101, "what was typed is kept"


def test_a_bad_page_number_is_a_clear_400(client, login_as, market):
    login_as()
    response = client.get("/services?page=banana")
    assert response.status_code == 400
    assert "page number must be a whole number" in response.get_data(as_text=True)


def test_a_page_past_the_end_shows_the_last_page(client, login_as, market):
    login_as()
    assert names(client.get("/services?page=99")) == [
        "Ashcroft Home Care",
        "Brook Day Opportunities",
        "Elm House",
        "Oak Lodge",
    ]


def test_csv_export_matches_the_filtered_list(client, login_as, market):
    login_as()
    query = {"q": "1-101641498", "sort": "name", "direction": "desc"}
    shown = names(client.get("/services", query_string=query))
    response = client.get("/services.csv", query_string=query)
    assert response.headers["Content-Disposition"] == 'attachment; filename="services.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Service name", "CQC location ID", "Provider"]
    assert [row[0] for row in rows[1:]] == shown
    oak = next(row for row in rows if row[0] == "Oak Lodge")
    assert oak[10:13] == ["Ashfield", "Olive Officer", "Connie Contracts"]
    assert rows[0][13:19] == [
        "CQC Overall",
        "CQC Safe",
        "CQC Effective",
        "CQC Caring",
        "CQC Responsive",
        "CQC Well-led",
    ]


def test_csv_export_neutralises_formulas(client, login_as, app_ctx):
    login_as()
    factories.ServiceFactory(name='=HYPERLINK("http://evil.example","click")')
    rows = list(csv.reader(io.StringIO(client.get("/services.csv").get_data(as_text=True))))
    assert rows[1][0].startswith("'=")


def test_names_are_escaped_in_the_page(client, login_as, app_ctx):
    login_as()
    factories.ServiceFactory(name="<script>alert(1)</script>")
    html = client.get("/services").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_provider_users_cannot_use_the_register(client, login_as, market):
    login_as(Role.PROVIDER, provider=market["chain"])
    assert client.get("/services").status_code == 403
    assert client.get("/services.csv").status_code == 403


def test_the_service_page_shows_the_service(client, login_as, market):
    login_as()
    soup = page(client.get(f"/services/{market['oak'].id}"))
    assert text(soup.h1) == "Oak Lodge"
    details = text(soup.select_one("[data-testid=details]"))
    for expected in ("Sherwood Care Group", "1-1000210669", "Ashfield", "Olive Officer", "NG15 7AB"):
        assert expected in details


def test_the_provider_page_lists_its_services(client, login_as, market):
    login_as()
    soup = page(client.get(f"/providers/{market['chain'].id}"))
    rows = table_rows(soup, "[data-testid=provider-services]")
    assert [row[0] for row in rows] == ["Ashcroft Home Care", "Elm House", "Oak Lodge"]


def test_the_providers_list_searches_and_counts_services(client, login_as, market):
    login_as()
    rows = table_rows(page(client.get("/providers?q=sherwood")), "[data-testid=providers]")
    assert rows == [["Sherwood Care Group", "1-101641498", "Independent", "3"]]


@pytest.fixture
def rated_market(market):
    """Oak is Inadequate (Safe Inadequate), Elm Good (Safe Requires improvement), Ashcroft Outstanding."""
    from datetime import date

    from provider_monitor.enums import KeyQuestion, RatingSource
    from provider_monitor.extensions import db
    from provider_monitor.services import ratings
    from provider_monitor.services.rating_rules import Rating, State

    when = date(2026, 3, 1)
    for key, overall, safe in (("oak", "Inadequate", "Inadequate"), ("elm", "Good", "Requires improvement"),
                               ("ash", "Outstanding", "Good")):  # fmt: skip
        state = State(when, {KeyQuestion.OVERALL: Rating(overall, when), KeyQuestion.SAFE: Rating(safe, when)})
        ratings.record_states(db.session, market[key].id, [state], source=RatingSource.CQC_API)
    db.session.commit()
    return market


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"rating": "Good"}, ["Elm House"]),
        ({"rating": "Inadequate", "rating_question": "safe"}, ["Oak Lodge"]),
        ({"rating": "Requires improvement", "rating_question": "safe"}, ["Elm House"]),
        ({"rating": "none"}, ["Brook Day Opportunities"]),
    ],
)
def test_filter_by_current_cqc_rating(client, login_as, rated_market, filters, expected):
    login_as()
    assert names(client.get("/services", query_string=filters)) == expected


def test_sort_by_overall_puts_the_worst_first_and_unrated_last(client, login_as, rated_market):
    login_as()
    ordered = names(client.get("/services", query_string={"sort": "rating_overall"}))
    assert ordered == ["Oak Lodge", "Elm House", "Ashcroft Home Care", "Brook Day Opportunities"]
    by_safe = names(client.get("/services", query_string={"sort": "rating_safe", "direction": "desc"}))
    assert by_safe[:3] == ["Ashcroft Home Care", "Elm House", "Oak Lodge"]


def test_the_register_shows_the_overall_tag(client, login_as, rated_market):
    login_as()
    rows = {row[0].split(" 1-")[0]: row for row in table_rows(page(client.get("/services")), "[data-testid=register]")}
    assert rows["Oak Lodge"][5] == "Inadequate"
    assert rows["Brook Day Opportunities"][5] == "Not rated"
