"""Every endpoint declares who may use it, and the declaration holds for every role."""

import pytest

from provider_monitor.access import ACCESS_ATTRIBUTE, undeclared_endpoints
from provider_monitor.enums import Role
from tests import factories
from tests.routes import PUBLIC_ENDPOINTS, allowed_roles, routes, url_for_rule


def test_every_endpoint_declares_who_may_use_it(app):
    assert undeclared_endpoints(app.view_functions) == []


def test_public_endpoints_are_exactly_the_intended_ones(app):
    public = {name for name, view in app.view_functions.items() if getattr(view, ACCESS_ATTRIBUTE, None) == "public"}
    assert public | {"static"} == PUBLIC_ENDPOINTS


def test_an_undeclared_endpoint_is_refused_at_runtime(app):
    from flask import Flask

    from provider_monitor import access

    bare = Flask("undeclared")
    bare.before_request(access.refuse_undeclared_endpoints)
    bare.add_url_rule("/leak", "leak", lambda: "secret")
    assert bare.test_client().get("/leak").status_code == 403


def test_no_endpoint_changes_state_on_get(app):
    for rule, method in routes(app):
        if method == "GET":
            assert not rule.endpoint.split(".")[-1].startswith(
                ("delete", "deactivate", "reactivate", "reset", "sign_out")
            )


def test_anonymous_users_are_sent_to_sign_in_everywhere(app, client, other_provider_records):
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(url_for_rule(rule, other_provider_records), method=method)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.endpoint, method)
        else:
            assert response.status_code == 302, (rule.endpoint, method)
            assert response.headers["Location"].startswith("/sign-in"), (rule.endpoint, method)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_where_it_is_not_allowed(app, client, login_as, other_provider_records, role):
    login_as(role)
    for rule, method in routes(app):
        allowed = allowed_roles(app, rule.endpoint)
        if allowed is None or role in allowed:
            continue
        response = client.open(url_for_rule(rule, other_provider_records), method=method)
        assert response.status_code == 403, (role, rule.endpoint, method, response.status_code)


def test_a_provider_user_gets_404_for_every_record_of_another_provider(app, client, login_as, other_provider_records):
    login_as(Role.PROVIDER, name="Own Provider User")
    checked = 0
    for rule, method in routes(app):
        allowed = allowed_roles(app, rule.endpoint)
        if not rule.arguments or allowed is None or Role.PROVIDER not in allowed:
            continue
        response = client.open(url_for_rule(rule, other_provider_records), method=method)
        body = response.get_data(as_text=True)
        assert response.status_code == 404, (rule.endpoint, method, response.status_code)
        assert "Other Provider Group" not in body and "Secret Other House" not in body
        checked += 1
    assert checked >= 4  # service and provider pages, and their API twins


def test_a_provider_user_sees_their_own_records(app, client, login_as):
    provider = factories.ProviderFactory(name="Own Provider")
    service = factories.ServiceFactory(name="Own House", provider=provider)
    login_as(Role.PROVIDER, provider=provider)
    assert client.get(f"/services/{service.id}").status_code == 200
    assert client.get(f"/providers/{provider.id}").status_code == 200
    assert client.get(f"/api/v1/services/{service.id}").status_code == 200


def test_state_changing_requests_need_a_csrf_token(app, client, login_as):
    login_as(Role.ADMIN)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        target = factories.UserFactory(role=Role.OFFICER)
        for path in ("/sign-out", "/providers/new", f"/admin/users/{target.id}/deactivate"):
            response = client.post(path, data={"name": "x"})
            assert response.status_code == 400, path
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
