"""A provider user reading their OWN records, by every page and API endpoint open to them, never meets the
council's confidential material: concern sources and identities, safeguarding detail, decision reasons and
internal minutes."""

import pytest

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import Provider
from tests import factories
from tests.routes import allowed_roles, routes, url_for_rule

SECRETS = {
    "whistleblower identity": "Whistle Jane Blower",
    "concern description": "Secret concern: bruising seen on resident",
    "safeguarding detail": "Secret safeguarding: police enquiry opened",
    "safeguarding reference": "SG-SECRET-4411",
    "decision reason": "Secret reason: whistleblower account corroborated",
    "internal minutes": "Secret minutes: possible organisational abuse",
    "internal attendees": "Secret attendee DS Constable",
}
SHARED_MINUTES = "Shared minutes: staffing plan agreed with the provider"


@pytest.fixture
def own_records(app_ctx):
    """One provider's service with a concern, an escalation with a decision, meetings and a timer, and a shared
    report and action: everything a provider user may and may not read of their own."""
    service = factories.ServiceFactory(name="Own Care Home", provider__name="Own Care Group")
    concern = factories.ConcernFactory(
        service=service, source="whistleblower", category="safeguarding", description=SECRETS["concern description"],
        source_identity=SECRETS["whistleblower identity"], safeguarding_reference=SECRETS["safeguarding reference"],
        safeguarding_detail=SECRETS["safeguarding detail"], confidential=True,
    )  # fmt: skip
    visit = factories.VisitFactory(service=service, status="shared", summary="Shared report summary")
    action = factories.ActionFactory(service=service, visit=visit, description="Shared action")
    evidence = factories.ActionEvidenceFactory(action=action)
    escalation = factories.EscalationFactory(
        service=service, level=3, suspension_status="red", conditions_to_step_down="Safe staffing for four weeks"
    )
    decision = factories.EscalationDecisionFactory(escalation=escalation, reason=SECRETS["decision reason"])
    internal = factories.EscalationMeetingFactory(
        escalation=escalation, minutes=SECRETS["internal minutes"], attendees=SECRETS["internal attendees"],
        minutes_internal=True,
    )  # fmt: skip
    factories.EscalationMeetingFactory(escalation=escalation, kind="review", minutes=SHARED_MINUTES,
                                       minutes_internal=False)  # fmt: skip
    timer = factories.EscalationTimerFactory(escalation=escalation, kind="suspension_letter")
    return {
        "service_id": service.id, "provider_id": service.provider_id, "user_id": 0, "visit_id": visit.id,
        "action_id": action.id, "evidence_id": evidence.id, "concern_id": concern.id,
        "escalation_id": escalation.id, "decision_id": decision.id, "meeting_id": internal.id, "timer_id": timer.id,
        "step": "details", "anything": "x",
    }  # fmt: skip


def test_no_page_or_api_shows_a_provider_user_confidential_material_about_their_own_services(
    app, client, login_as, own_records
):
    login_as(Role.PROVIDER, provider=db.session.get(Provider, own_records["provider_id"]))
    read = []
    for rule, method in routes(app):
        allowed = allowed_roles(app, rule.endpoint)
        if method != "GET" or allowed is None or Role.PROVIDER not in allowed:
            continue
        response = client.get(url_for_rule(rule, own_records))
        body = response.get_data(as_text=True)
        for what, secret in SECRETS.items():
            assert secret not in body, (rule.endpoint, what)
        if response.status_code == 200:
            read.append(rule.endpoint)
    # The pages that carry the escalation were really read, not refused.
    assert {"escalations.view", "services.view", "api.get_escalation", "api.list_escalations"} <= set(read), read


def test_the_provider_view_of_the_escalation_keeps_what_is_theirs_to_know(client, login_as, own_records):
    login_as(Role.PROVIDER, provider=db.session.get(Provider, own_records["provider_id"]))
    body = client.get(f"/escalations/{own_records['escalation_id']}").get_data(as_text=True)
    assert "Safe staffing for four weeks" in body and SHARED_MINUTES in body
    record = client.get(f"/api/v1/escalations/{own_records['escalation_id']}").get_json()["data"]
    assert record["level"] == 3 and record["suspension_status"] == "red"
    assert record["conditions_to_step_down"] == "Safe staffing for four weeks"
    assert all(decision["reason"] is None for decision in record["decisions"])


def test_staff_read_the_same_records_in_full(client, login_as, own_records):
    login_as(Role.OFFICER)
    concern = client.get(f"/concerns/{own_records['concern_id']}").get_data(as_text=True)
    escalation = client.get(f"/escalations/{own_records['escalation_id']}").get_data(as_text=True)
    assert SECRETS["whistleblower identity"] in concern and SECRETS["safeguarding detail"] in concern
    assert SECRETS["decision reason"] in escalation and SECRETS["internal minutes"] in escalation
