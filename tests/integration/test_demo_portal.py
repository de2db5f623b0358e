"""The demo provider user always has a report open for their comments on the day the demo is loaded."""

from datetime import date, timedelta

from provider_monitor.demo.portal import ensure_report_awaiting_comments, provider_account_line
from provider_monitor.enums import Role, VisitStatus
from provider_monitor.extensions import db
from provider_monitor.models import Provider
from tests import factories

TODAY = date(2026, 11, 23)


def test_the_latest_logged_report_is_shared_when_none_is_open_for_comments(app_ctx):
    service = factories.ServiceFactory(provider__name="Demo Group")
    factories.UserFactory(role=Role.PROVIDER, provider=db.session.get(Provider, service.provider_id))
    older = factories.VisitFactory(service=service, status="final", visited_on=TODAY - timedelta(days=200))
    latest = factories.VisitFactory(service=service, status="final", visited_on=TODAY - timedelta(days=30))

    ensure_report_awaiting_comments(db.session, TODAY)

    assert (latest.status, older.status) == (VisitStatus.SHARED, VisitStatus.FINAL)
    assert latest.comments_due_on == TODAY - timedelta(days=3) + timedelta(days=14)
    assert latest.finalised_at is None
    assert "1 report awaiting their comments" in provider_account_line(db.session, TODAY)


def test_a_report_already_open_for_comments_is_left_alone(app_ctx):
    service = factories.ServiceFactory()
    factories.UserFactory(role=Role.PROVIDER, provider=db.session.get(Provider, service.provider_id))
    shared = factories.VisitFactory(service=service, status="shared", comments_due_on=TODAY + timedelta(days=4))
    final = factories.VisitFactory(service=service, status="final", visited_on=TODAY - timedelta(days=2))

    ensure_report_awaiting_comments(db.session, TODAY)

    assert (shared.status, final.status) == (VisitStatus.SHARED, VisitStatus.FINAL)
