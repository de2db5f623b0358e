"""A provider user sees actions raised from a visit only once that visit's report is shared with them."""

from provider_monitor.enums import Role, VisitStatus
from provider_monitor.extensions import db
from tests import factories


def test_actions_from_a_draft_report_stay_internal_until_the_report_is_shared(client, login_as):
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(provider=provider)
    visit = factories.VisitFactory(service=service, status="draft")
    from_visit = factories.ActionFactory(service=service, visit=visit, description="Internal until shared")
    direct = factories.ActionFactory(service=service, description="Raised on the service itself")
    login_as(Role.PROVIDER, provider=provider)

    assert client.get(f"/actions/{from_visit.id}").status_code == 404
    assert client.get(f"/actions/{direct.id}").status_code == 200
    moved = client.post(f"/actions/{from_visit.id}/status", data={"status": "in_progress", "version_id": 1})
    assert moved.status_code == 404

    visit.status = VisitStatus.SHARED
    db.session.commit()
    assert client.get(f"/actions/{from_visit.id}").status_code == 200


def test_staff_see_actions_from_draft_reports(client, login_as):
    service = factories.ServiceFactory()
    visit = factories.VisitFactory(service=service, status="draft")
    action = factories.ActionFactory(service=service, visit=visit)
    login_as(Role.CONTRACT_MANAGER)
    assert client.get(f"/actions/{action.id}").status_code == 200
