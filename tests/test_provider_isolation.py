"""A provider user reaches their own provider's records and nothing else: lists and exports carry no other
provider's data, and a deactivated provider user is signed out of every page and API call at once."""

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import Provider
from provider_monitor.services import users
from tests import factories
from tests.routes import PUBLIC_ENDPOINTS, allowed_roles, routes, url_for_rule

STAFF_LISTS = (
    "/services", "/services.csv", "/caseload", "/caseload.csv", "/action-plans", "/action-plans.csv", "/concerns",
    "/escalations", "/api/v1/concerns", "/rating-changes", "/rating-changes.csv", "/dashboards/market",
    "/dashboards/caseload",
)  # fmt: skip
OTHER_NAMES = ("Other Provider Group", "Secret Other House", "Secret Other concern", "Secret Other action")


def test_no_list_page_export_or_api_list_open_to_a_provider_user_shows_another_provider(
    app, client, login_as, other_provider_records
):
    own = factories.ServiceFactory(name="Own Lodge", provider__name="Own Group")
    login_as(Role.PROVIDER, provider=db.session.get(Provider, own.provider_id))
    read = []
    for rule, method in routes(app):
        allowed = allowed_roles(app, rule.endpoint)
        if method != "GET" or rule.arguments or allowed is None or Role.PROVIDER not in allowed:
            continue
        response = client.get(rule.rule)
        body = response.get_data(as_text=True)
        for name in OTHER_NAMES:
            assert name not in body, (rule.endpoint, name)
        if response.status_code == 200:
            read.append(rule.endpoint)
    # The lists a provider user does reach were really read (their own service is in them).
    assert {"api.list_services", "api.list_escalations"} <= set(read), read


def test_staff_only_lists_and_exports_refuse_a_provider_user(client, login_as, other_provider_records):
    login_as(Role.PROVIDER)
    for path in STAFF_LISTS:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Other Provider Group" not in response.get_data(as_text=True), path


def test_a_deactivated_provider_user_is_signed_out_of_every_page_and_api_call_at_once(
    app, client, login_as, other_provider_records
):
    own = factories.ServiceFactory(name="Own Lodge", provider__name="Own Group")
    user = login_as(Role.PROVIDER, provider=db.session.get(Provider, own.provider_id))
    assert client.get(f"/services/{own.id}").status_code == 200
    admin = factories.UserFactory(role=Role.ADMIN)
    users.deactivate_user(db.session, user, editor=admin)
    db.session.commit()

    values = {**other_provider_records, "service_id": own.id, "provider_id": own.provider_id}
    checked = 0
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(url_for_rule(rule, values), method=method)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.endpoint, method)
        else:
            assert response.status_code == 302, (rule.endpoint, method, response.status_code)
            assert response.headers["Location"].startswith("/sign-in"), (rule.endpoint, method)
        checked += 1
    assert checked > 50
