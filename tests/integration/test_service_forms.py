"""Adding and editing services and providers: validation, duplicates, lost updates and the audit trail."""

import pytest
import sqlalchemy as sa

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, Provider, Service
from tests import factories
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text

VALID_SERVICE = {
    "name": "Willow Bank",
    "service_type": "care_home",
    "regulated": "yes",
    "cqc_location_id": "1-1234567890",
    "registration_status": "registered",
    "registration_date": ["27", "3", "2019"],
    "town": "Newark-on-Trent",
    "postcode": "ng24 1aa",
    "latitude": "53.0763",
    "longitude": "-0.8090",
    "capacity": "42",
    "status": "active",
}


@pytest.fixture
def provider(app_ctx):
    return factories.ProviderFactory(name="Trent Valley Care")


def test_an_officer_adds_a_service(client, login_as, provider):
    officer = login_as(Role.OFFICER)
    response = client.post(
        "/services/new", data={**VALID_SERVICE, "provider_id": provider.id, "link_officer_id": officer.id}
    )
    assert response.status_code == 302
    service = db.session.scalar(sa.select(Service).where(Service.name == "Willow Bank"))
    assert service.postcode == "NG24 1AA"
    assert service.registration_date.isoformat() == "2019-03-27"
    assert service.capacity == 42 and service.regulated is True
    soup = page(client.get(response.headers["Location"]))
    assert "Willow Bank has been added to the register" in text(soup.select_one(".govuk-notification-banner"))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the service name"),
        ({"postcode": "not a postcode"}, "postcode", "Enter a real postcode, like NG18 5BH"),
        ({"cqc_location_id": "12345"}, "cqc_location_id",
         "Enter a CQC location ID in the right format, like 1-1000210669"),
        ({"cqc_location_id": ""}, "cqc_location_id", "Enter the CQC location ID of a regulated service"),
        ({"registration_date": ["31", "2", "2020"]}, "registration_date", "Registration date must be a real date"),
        ({"registration_date": ["", "2", "2020"]}, "registration_date", "Registration date must include a day"),
        ({"capacity": "forty"}, "capacity", "Beds or places must be a whole number, like 40"),
        ({"capacity": "-3"}, "capacity", "Beds or places must be between 0 and 5000"),
        ({"latitude": "91"}, "latitude", "Latitude must be between 49.8 and 55.9 for a place in England"),
        ({"longitude": ""}, "longitude", "Enter both latitude and longitude, or neither"),
        ({"service_type": "spaceship"}, "service_type", "Select service type from the list"),
        ({"regulated": "no", "cqc_location_id": ""}, "registration_status",
         "Select ‘Not registered with CQC’ for a service CQC does not regulate"),
        ({"contract_start": ["1", "4", "2026"], "contract_end": ["31", "3", "2026"]}, "contract_end",
         "Contract end date must be the same as or after the contract start date"),
    ],
)  # fmt: skip
def test_bad_input_is_named_next_to_the_field_and_kept(client, login_as, provider, change, field, message):
    login_as()
    data = {**VALID_SERVICE, "provider_id": provider.id, **change}
    response = client.post("/services/new", data=data)
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.text.startswith("Error:")
    anchor = f"#{field}-day" if field in ("registration_date", "contract_end") else f"#{field}"
    assert (message, anchor) in error_summary(soup)
    assert field_error(soup, f"{field}-day" if anchor.endswith("-day") else field) == message
    assert soup.select_one("#name")["value"] == data["name"] if data["name"] else True
    assert db.session.scalar(sa.select(sa.func.count(Service.id))) == 0


def test_a_duplicate_cqc_location_id_is_refused_by_the_field(client, login_as, provider):
    login_as()
    factories.ServiceFactory(cqc_location_id="1-1234567890")
    soup = page(client.post("/services/new", data={**VALID_SERVICE, "provider_id": provider.id}))
    assert field_error(soup, "cqc_location_id") == "A service with this CQC location ID is already on the register"


def test_provider_users_cannot_add_or_edit(client, login_as, provider):
    service = factories.ServiceFactory(provider=provider)
    login_as(Role.PROVIDER, provider=provider)
    assert client.get("/services/new").status_code == 403
    assert client.post(f"/services/{service.id}/edit", data={"name": "Hacked"}).status_code == 403
    assert client.post(f"/providers/{provider.id}/edit", data={"name": "Hacked"}).status_code == 403


def _edit_form(client, service_id):
    return form_values(page(client.get(f"/services/{service_id}/edit")))


def test_editing_records_who_changed_what(client, login_as, provider):
    officer = login_as(Role.OFFICER, name="Olive Officer")
    service = factories.ServiceFactory(provider=provider, name="Old Name", capacity=30)
    data = {**_edit_form(client, service.id), "name": "New Name", "capacity": "35"}
    assert client.post(f"/services/{service.id}/edit", data=data).status_code == 302
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "service", AuditEvent.action == "update")
    ).one()
    assert event.actor_id == officer.id
    assert event.changes == {"name": ["Old Name", "New Name"], "capacity": [30, 35]}
    rows = table_rows(page(client.get(f"/services/{service.id}")), "[data-testid=audit-trail]")
    assert "Olive Officer" in rows[0][1]
    assert "Name: Old Name → New Name" in rows[0][2]


def test_a_stale_edit_is_refused_and_the_input_kept(client, login_as, provider, app):
    login_as()
    service = factories.ServiceFactory(provider=provider, name="Rose House", capacity=30)
    mine = {**_edit_form(client, service.id), "capacity": "31"}
    # Someone else saves first.
    other = app.test_client()
    from tests.conftest import sign_in_client

    colleague = factories.UserFactory(name="Carl Colleague")
    sign_in_client(app, other, colleague)
    theirs = {**_edit_form(other, service.id), "name": "Rose House Nursing"}
    assert other.post(f"/services/{service.id}/edit", data=theirs).status_code == 302

    response = client.post(f"/services/{service.id}/edit", data=mine)
    soup = page(response)
    assert response.status_code == 409
    summary = text(soup.select_one(".govuk-error-summary"))
    assert "Your changes have not been saved" in summary and "Carl Colleague" in summary
    assert soup.select_one("#capacity")["value"] == "31"
    conflict = table_rows(soup, "[data-testid=conflict]")
    assert ["Service name", "Rose House Nursing", "Rose House"] in [[r[0], r[1], r[2]] for r in conflict]
    saved = db.session.get(Service, service.id)
    db.session.refresh(saved)
    assert (saved.name, saved.capacity) == ("Rose House Nursing", 30)

    # Saving again, having seen the conflict, applies the change over the current version.
    again = {**_edit_form(client, service.id), "capacity": "31", "version_id": soup.select_one("#version_id")["value"]}
    again["name"] = "Rose House Nursing"
    assert client.post(f"/services/{service.id}/edit", data=again).status_code == 302
    db.session.refresh(saved)
    assert saved.capacity == 31


def test_mass_assignment_of_other_fields_is_ignored(client, login_as, provider):
    login_as()
    data = {**VALID_SERVICE, "provider_id": provider.id, "id": "999", "version_id": "77", "created_at": "1999-01-01"}
    assert client.post("/services/new", data=data).status_code == 302
    service = db.session.scalar(sa.select(Service))
    assert service.id != 999 and service.version_id == 1


def test_adding_and_editing_a_provider(client, login_as):
    login_as()
    response = client.post(
        "/providers/new",
        data={"name": "Bramley Homes", "sector": "voluntary", "postcode": "ng5 1aa",
              "companies_house_number": "ab 123456", "contact_email": "office@bramley.example"},
    )  # fmt: skip
    assert response.status_code == 302
    provider = db.session.scalar(sa.select(Provider).where(Provider.name == "Bramley Homes"))
    assert (provider.postcode, provider.companies_house_number) == ("NG5 1AA", "AB123456")
    soup = page(client.post("/providers/new", data={"name": "", "sector": "pirate", "contact_email": "nope"}))
    messages = [m for m, _ in error_summary(soup)]
    assert "Enter the provider name" in messages
    assert "Enter an email address in the right format, like name@example.com" in messages
    assert any("sector" in m.lower() for m in messages)


def test_a_duplicate_cqc_provider_id_is_refused(client, login_as):
    login_as()
    factories.ProviderFactory(cqc_provider_id="1-101641498")
    soup = page(
        client.post("/providers/new", data={"name": "Copy", "sector": "independent", "cqc_provider_id": "1-101641498"})
    )
    assert field_error(soup, "cqc_provider_id") == "A provider with this CQC provider ID is already on the register"


def test_missing_records_are_404(client, login_as):
    login_as()
    for path in ("/services/999999", "/services/999999/edit", "/providers/999999", "/providers/999999/edit"):
        assert client.get(path).status_code == 404, path
