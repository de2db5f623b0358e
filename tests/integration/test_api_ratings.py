"""Ratings in the JSON API: current ratings on each service, and the rating-changes list."""

import pytest

from provider_monitor.enums import RatingSource, Role
from provider_monitor.extensions import db
from provider_monitor.services import ratings
from tests import factories


@pytest.fixture
def histories(app_ctx):
    """Two providers' services: one declines on Overall and Safe, one improves on Well-led only."""
    district = factories.DistrictFactory(code="E07000174", name="Mansfield")
    own = factories.ProviderFactory(name="Own Care")
    other = factories.ProviderFactory(name="Other Care Group")
    falling = factories.ServiceFactory(name="Falling House", provider=own, district=district, cqc_location_id="1-111")
    rising = factories.ServiceFactory(name="Rising Court", provider=other, cqc_location_id="1-222")
    ratings.record_states(
        db.session, falling.id,
        [
            factories.rating_state("2023-03-01", overall="Good", safe="Good"),
            factories.rating_state("2026-05-01", overall="Inadequate", safe="Inadequate"),
        ],
        source=RatingSource.CQC_API,
    )  # fmt: skip
    ratings.record_states(
        db.session, rising.id,
        [factories.rating_state("2022-01-10", overall="Good", well_led="Requires improvement"),
         factories.rating_state("2025-09-09", overall="Good", well_led="Good")],
        source=RatingSource.CQC_API,
    )  # fmt: skip
    db.session.commit()
    return {"own": own, "falling": falling, "rising": rising}


def test_each_service_carries_its_current_ratings(client, login_as, histories):
    login_as(Role.OFFICER)
    data = client.get(f"/api/v1/services/{histories['falling'].id}").get_json()["data"]
    assert data["current_ratings"]["overall"] == {"rating": "Inadequate", "report_date": "2026-05-01"}
    assert data["current_ratings"]["safe"] == {"rating": "Inadequate", "report_date": "2026-05-01"}
    assert data["current_ratings"]["caring"] == {"rating": None, "report_date": None}
    listed = {s["name"]: s for s in client.get("/api/v1/services").get_json()["data"]}
    assert listed["Rising Court"]["current_ratings"]["well_led"]["rating"] == "Good"


def test_a_service_without_ratings_has_null_ratings(client, login_as, app_ctx):
    login_as()
    service = factories.ServiceFactory()
    ratings_json = client.get(f"/api/v1/services/{service.id}").get_json()["data"]["current_ratings"]
    assert set(ratings_json) == {"overall", "safe", "effective", "caring", "responsive", "well_led"}
    assert all(v == {"rating": None, "report_date": None} for v in ratings_json.values())


def test_rating_changes_lists_declines_and_improvements_newest_first(client, login_as, histories):
    login_as()
    body = client.get("/api/v1/rating-changes").get_json()
    rows = [(c["service_name"], c["key_question"], c["from"], c["to"], c["direction"]) for c in body["data"]]
    assert rows == [
        ("Falling House", "overall", "Good", "Inadequate", "decline"),
        ("Falling House", "safe", "Good", "Inadequate", "decline"),
        ("Rising Court", "well_led", "Requires improvement", "Good", "improvement"),
    ]
    assert body["data"][0]["high_severity"] is True and body["data"][0]["cqc_location_id"] == "1-111"
    assert body["meta"]["total"] == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"direction": "improvement"}, ["Rising Court"]),
        ({"key_question": "safe"}, ["Falling House"]),
        ({"since": "2026-01-01"}, ["Falling House", "Falling House"]),
        ({"until": "2025-12-31"}, ["Rising Court"]),
        ({"district_code": "E07000174"}, ["Falling House", "Falling House"]),
        ({"cqc_location_id": "1-222"}, ["Rising Court"]),
        ({"high_severity": "true"}, ["Falling House", "Falling House"]),
    ],
)
def test_rating_change_filters(client, login_as, histories, query, expected):
    login_as()
    data = client.get("/api/v1/rating-changes", query_string=query).get_json()["data"]
    assert [c["service_name"] for c in data] == expected


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"since": "2026-02-30"}, "since"),
        ({"since": "1/5/2026"}, "since"),
        ({"since": "2026-05-01", "until": "2026-01-01"}, "until"),
        ({"direction": "sideways"}, "direction"),
        ({"key_question": "kind"}, "key_question"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_rating_change_queries_are_named(client, login_as, histories, query, parameter):
    login_as()
    response = client.get("/api/v1/rating-changes", query_string=query)
    assert response.status_code == 400
    assert parameter in [e.get("parameter") for e in response.get_json()["errors"]]


def test_a_provider_user_sees_only_their_own_services_changes(client, login_as, histories):
    login_as(Role.PROVIDER, provider=histories["own"])
    body = client.get("/api/v1/rating-changes").get_json()
    assert {c["service_name"] for c in body["data"]} == {"Falling House"}
    assert "Rising Court" not in str(body)
    assert client.get("/api/v1/rating-changes", query_string={"cqc_location_id": "1-222"}).get_json()["data"] == []


def test_rating_changes_needs_sign_in(client, histories):
    assert client.get("/api/v1/rating-changes").status_code == 401


def test_services_filter_and_sort_by_current_rating(client, login_as, histories):
    login_as()
    inadequate = client.get("/api/v1/services", query_string={"rating": "Inadequate"}).get_json()["data"]
    assert [s["name"] for s in inadequate] == ["Falling House"]
    by_well_led = client.get("/api/v1/services", query_string={"rating": "Good", "rating_question": "well_led"})
    assert [s["name"] for s in by_well_led.get_json()["data"]] == ["Rising Court"]
    worst_first = client.get("/api/v1/services", query_string={"sort": "rating_overall"}).get_json()["data"]
    assert [s["name"] for s in worst_first] == ["Falling House", "Rising Court"]
    bad = client.get("/api/v1/services", query_string={"rating": "Brilliant"})
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["parameter"] == "rating"
