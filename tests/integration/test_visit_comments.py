"""Factual-accuracy comments on shared reports, read receipts, and what staff see of the provider's activity."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import g, render_template

from provider_monitor.enums import KeyQuestion, Role
from provider_monitor.extensions import db
from provider_monitor.jinja import format_date
from provider_monitor.models import ActionEvent, AuditEvent, Provider, VisitComment, VisitReadReceipt
from provider_monitor.services import visit_feedback
from tests import factories
from tests.helpers import counted_queries, error_summary, field_error, page, table_rows, text

TODAY = date.today()
NOW = datetime.now(UTC)


@pytest.fixture
def provider(app_ctx):
    return factories.ProviderFactory(name="Trent Valley Care")


@pytest.fixture
def service(provider):
    return factories.ServiceFactory(name="Willow Bank", provider=provider)


def _shared(service, due: date = TODAY + timedelta(days=14), **values):
    values = {
        "status": "shared",
        "shared_at": NOW,
        "summary": "A settled, caring home.",
        "local_rating": "Good",
    } | values
    return factories.VisitFactory(service=service, comments_due_on=due, **values)


def _provider_user(client_login, provider, **values):
    return client_login(Role.PROVIDER, provider=db.session.get(Provider, provider.id), **values)


def _comments(visit_id: int) -> list[VisitComment]:
    return list(db.session.scalars(sa.select(VisitComment).where(VisitComment.visit_id == visit_id)))


def _receipts(visit_id: int) -> list[VisitReadReceipt]:
    return list(db.session.scalars(sa.select(VisitReadReceipt).where(VisitReadReceipt.visit_id == visit_id)))


# Commenting


def test_a_provider_user_comments_while_the_window_is_open(client, login_as, service, provider):
    visit = _shared(service)
    user = _provider_user(login_as, provider, name="Pat Provider")
    soup = page(client.get(f"/visits/{visit.id}"))
    form = soup.select_one("[data-testid=comment-form]")
    assert form["action"] == f"/visits/{visit.id}/comments"
    due = format_date(TODAY + timedelta(days=14))
    assert text(soup.select_one("[data-testid=comment-deadline]")) == f"You can comment until {due} (14 days left)."
    assert [text(o) for o in form.select("select#about option")] == [
        "The report as a whole", "Safe", "Effective", "Caring", "Responsive", "Well-led"
    ]  # fmt: skip
    assert text(soup.select_one("[data-testid=comments]")).count("No comments have been made") == 1

    response = client.post(
        f"/visits/{visit.id}/comments", data={"about": "safe", "body": "  The manager was on leave, not absent.  "}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/visits/{visit.id}#comments"
    [comment] = _comments(visit.id)
    assert (comment.about, comment.body, comment.author_id) == (
        KeyQuestion.SAFE, "The manager was on leave, not absent.", user.id
    )  # fmt: skip
    assert comment.author_label == "Pat Provider (Provider user)"
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "visit_comment"))
    assert audit.action == "create" and audit.actor_id == user.id

    soup = page(client.get(f"/visits/{visit.id}"))
    assert "Your comment has been sent" in text(soup.select_one(".govuk-notification-banner"))
    listed = text(soup.select_one("[data-testid=comment]"))
    assert "Safe" in listed and "Pat Provider (Provider user)" in listed
    assert "The manager was on leave, not absent." in listed


def test_a_comment_about_the_whole_report_and_the_last_day_of_the_window(client, login_as, service, provider):
    visit = _shared(service, due=TODAY)
    _provider_user(login_as, provider)
    soup = page(client.get(f"/visits/{visit.id}"))
    assert "(today is the last day)" in text(soup.select_one("[data-testid=comment-deadline]"))
    response = client.post(f"/visits/{visit.id}/comments", data={"about": "", "body": "The date is wrong."})
    assert response.status_code == 302
    [comment] = _comments(visit.id)
    assert comment.about is None
    soup = page(client.get(f"/visits/{visit.id}"))
    assert text(soup.select_one("[data-testid=comment]")).startswith("The report as a whole")


def test_no_comment_once_the_window_has_closed_and_the_text_is_shown_back(client, login_as, service, provider):
    due = TODAY - timedelta(days=1)
    visit = _shared(service, due=due)
    _provider_user(login_as, provider)
    soup = page(client.get(f"/visits/{visit.id}"))
    assert soup.select_one("[data-testid=comment-form]") is None
    closed = f"The window for comments closed on {format_date(due)}."
    assert text(soup.select_one("[data-testid=comment-window-closed]")) == closed

    response = client.post(f"/visits/{visit.id}/comments", data={"about": "", "body": "Too late, sadly."})
    soup = page(response)
    assert response.status_code == 409
    assert error_summary(soup) == [(f"The window for comments closed on {format_date(due)}", "#comments")]
    assert "Too late, sadly." in text(soup.select_one("[data-testid=unsaved-comment]"))
    assert _comments(visit.id) == []


def test_no_comment_on_a_final_report(client, login_as, service, provider):
    visit = _shared(service, status="final", finalised_at=NOW)
    _provider_user(login_as, provider)
    soup = page(client.get(f"/visits/{visit.id}"))
    assert soup.select_one("[data-testid=comment-form]") is None
    final = "This report is final, so comments can no longer be added."
    assert text(soup.select_one("[data-testid=comment-window-closed]")) == final
    response = client.post(f"/visits/{visit.id}/comments", data={"body": "Please change it."})
    assert response.status_code == 409
    assert error_summary(page(response)) == [(final.rstrip("."), "#comments")]
    assert _comments(visit.id) == []


def test_drafts_and_other_providers_reports_are_404_to_comment_on(client, login_as, service, provider):
    draft = factories.VisitFactory(service=service, comments_due_on=TODAY + timedelta(days=14))
    other = _shared(factories.ServiceFactory(name="Secret Other House", provider__name="Other Provider Group"))
    _provider_user(login_as, provider)
    for visit in (draft, other):
        response = client.post(f"/visits/{visit.id}/comments", data={"body": "Let me in."})
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "Secret Other House" not in body and "Other Provider Group" not in body
    assert db.session.scalar(sa.select(sa.func.count(VisitComment.id))) == 0


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MANAGER, Role.CONTRACT_MANAGER, Role.ADMIN])
def test_staff_cannot_comment_and_see_no_comment_form(client, login_as, service, role):
    visit = _shared(service)
    login_as(role)
    assert client.post(f"/visits/{visit.id}/comments", data={"body": "On their behalf"}).status_code == 403
    soup = page(client.get(f"/visits/{visit.id}"))
    assert soup.select_one("[data-testid=comment-form]") is None
    assert soup.select_one("[data-testid=comment-window-closed]") is None
    assert _comments(visit.id) == []


def test_the_service_refuses_staff_and_another_providers_users(app_ctx, service):
    visit = _shared(service)
    officer = factories.UserFactory(role=Role.OFFICER)
    stranger = factories.UserFactory(role=Role.PROVIDER, provider=factories.ProviderFactory())
    for viewer in (officer, stranger):
        with pytest.raises(visit_feedback.CommentRefused, match="Only the provider’s own users"):
            visit_feedback.add_comment(db.session, visit, viewer, about=None, body="Hello", today=TODAY)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"about": "safe", "body": "   "}, "body", "Enter your comment"),
        ({"about": "safe", "body": "x" * 4001}, "body", "Comment must be 4,000 characters or fewer"),
        ({"about": "overall", "body": "Fine"}, "about", "Select what your comment is about from the list"),
        ({"about": "nonsense", "body": "Fine"}, "about", "Select what your comment is about from the list"),
    ],
)
def test_an_invalid_comment_is_shown_next_to_the_field_and_kept(client, login_as, service, provider, data, field,
                                                                message):  # fmt: skip
    visit = _shared(service)
    _provider_user(login_as, provider)
    response = client.post(f"/visits/{visit.id}/comments", data=data)
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.text.startswith("Error:")
    assert error_summary(soup) == [(message, f"#{field}")]
    assert field_error(soup, field) == message
    if data["body"].strip():
        assert soup.select_one("textarea#body").get_text() == data["body"]
    assert _comments(visit.id) == []


def test_the_chosen_question_is_kept_when_the_comment_is_missing(client, login_as, service, provider):
    visit = _shared(service)
    _provider_user(login_as, provider)
    soup = page(client.post(f"/visits/{visit.id}/comments", data={"about": "caring", "body": ""}))
    assert soup.select_one("select#about option[selected]")["value"] == "caring"


def test_comments_need_a_csrf_token(app, client, login_as, service, provider):
    visit = _shared(service)
    _provider_user(login_as, provider)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/visits/{visit.id}/comments", data={"body": "Hello"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _comments(visit.id) == []


def test_staff_and_the_provider_both_see_the_comments(client, login_as, service, provider):
    visit = _shared(service)
    author = factories.UserFactory(role=Role.PROVIDER, provider=provider, name="Pat Provider")
    visit_feedback.add_comment(db.session, visit, author, about="well_led", body="Line one\nLine two", today=TODAY)
    visit_feedback.add_comment(db.session, visit, author, about=None, body="And another thing", today=TODAY)
    db.session.commit()
    login_as(Role.OFFICER)
    staff_view = page(client.get(f"/visits/{visit.id}")).select("[data-testid=comment]")
    _provider_user(login_as, provider)
    provider_view = page(client.get(f"/visits/{visit.id}")).select("[data-testid=comment]")
    for comments in (staff_view, provider_view):
        assert len(comments) == 2
        first, second = (text(c) for c in comments)
        assert first.startswith("Well-led Pat Provider (Provider user)") and "Line one Line two" in first
        assert second.startswith("The report as a whole") and "And another thing" in second


def test_comments_are_never_edited_or_deleted(app, app_ctx, service, provider):
    visit = _shared(service)
    author = factories.UserFactory(role=Role.PROVIDER, provider=provider)
    comment = visit_feedback.add_comment(db.session, visit, author, about=None, body="As sent", today=TODAY)
    db.session.commit()
    comment_rules = [r for r in app.url_map.iter_rules() if "comment" in r.rule and r.rule.startswith("/visits/")]
    assert [(r.rule, sorted(r.methods - {"OPTIONS"})) for r in comment_rules] == [
        ("/visits/<int:visit_id>/comments", ["POST"])
    ]
    comment.body = "Changed afterwards"
    with pytest.raises(ValueError, match="never edited"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(VisitComment, comment.id))
    with pytest.raises(ValueError, match="never deleted"):
        db.session.flush()
    db.session.rollback()
    assert [c.body for c in _comments(visit.id)] == ["As sent"]


# Read receipts


def test_provider_reads_are_recorded_and_counted_and_staff_reads_are_not(client, login_as, service, provider):
    visit = _shared(service)
    login_as(Role.OFFICER)
    assert client.get(f"/visits/{visit.id}").status_code == 200
    assert client.get(f"/visits/{visit.id}/report").status_code == 200
    assert _receipts(visit.id) == []

    reader = _provider_user(login_as, provider, name="Pat Provider")
    for path in (f"/visits/{visit.id}", f"/visits/{visit.id}/report", f"/visits/{visit.id}"):
        assert client.get(path).status_code == 200
    db.session.expire_all()
    [receipt] = _receipts(visit.id)
    assert receipt.user_id == reader.id and receipt.read_count == 3
    assert receipt.first_read_at <= receipt.last_read_at


def test_the_service_records_reads_only_for_the_reports_own_provider(app_ctx, service, provider):
    visit = _shared(service)
    own = factories.UserFactory(role=Role.PROVIDER, provider=provider)
    stranger = factories.UserFactory(role=Role.PROVIDER, provider=factories.ProviderFactory())
    officer = factories.UserFactory(role=Role.OFFICER)
    draft = factories.VisitFactory(service=service)
    assert visit_feedback.record_read(db.session, visit, stranger, NOW) is False
    assert visit_feedback.record_read(db.session, visit, officer, NOW) is False
    assert visit_feedback.record_read(db.session, draft, own, NOW) is False
    assert visit_feedback.record_read(db.session, visit, own, NOW) is True
    assert visit_feedback.record_read(db.session, visit, own, NOW + timedelta(hours=2)) is True
    db.session.commit()
    [receipt] = _receipts(visit.id)
    assert (receipt.user_id, receipt.read_count) == (own.id, 2)
    assert receipt.last_read_at - receipt.first_read_at == timedelta(hours=2)


def test_staff_see_who_at_the_provider_has_read_the_report(client, login_as, service, provider):
    visit = _shared(service)
    reader = factories.UserFactory(role=Role.PROVIDER, provider=provider, name="Alex Reader")
    factories.UserFactory(role=Role.PROVIDER, provider=provider, name="Bea Notyet")
    factories.UserFactory(role=Role.PROVIDER, provider=provider, name="Cal Gone", active=False)
    factories.UserFactory(role=Role.PROVIDER, provider=factories.ProviderFactory(), name="Dee Elsewhere")
    first = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    visit_feedback.record_read(db.session, visit, reader, first)
    visit_feedback.record_read(db.session, visit, reader, first + timedelta(days=1))
    db.session.commit()

    login_as(Role.CONTRACT_MANAGER)
    soup = page(client.get(f"/visits/{visit.id}"))
    rows = table_rows(soup, "[data-testid=read-by-provider] table")
    assert rows == [
        ["Alex Reader", "2 November 2026 at 9:30am", "3 November 2026 at 9:30am (opened 2 times)"],
        ["Bea Notyet", "Not read yet"],
    ]

    _provider_user(login_as, provider)
    assert page(client.get(f"/visits/{visit.id}")).select_one("[data-testid=read-by-provider]") is None


def test_staff_are_told_when_the_provider_has_no_users(client, login_as, service):
    visit = _shared(service)
    login_as(Role.OFFICER)
    soup = page(client.get(f"/visits/{visit.id}"))
    assert "Nobody at Trent Valley Care has an account yet" in text(soup.select_one("[data-testid=readers]"))


def test_a_draft_shows_no_comments_or_readers(client, login_as, service):
    visit = factories.VisitFactory(service=service)
    login_as(Role.OFFICER)
    soup = page(client.get(f"/visits/{visit.id}"))
    assert soup.select_one("[data-testid=comments]") is None
    assert soup.select_one("[data-testid=read-by-provider]") is None


# What staff see on the service page


def _activity_for(service, provider_user, officer, *, at: datetime, other_service) -> None:
    """One of each kind of provider activity on `service` at `at`, plus noise that must not show."""
    visit = _shared(service, visited_on=date(2026, 10, 30))
    action = factories.ActionFactory(service=service, description="Sign every MAR chart")
    db.session.add(
        VisitReadReceipt(visit_id=visit.id, user_id=provider_user.id, first_read_at=at, last_read_at=at, read_count=3)
    )
    db.session.add(
        VisitComment(visit_id=visit.id, author_id=provider_user.id, author_label="Pat Provider (Provider user)",
                     about=KeyQuestion.SAFE, body="The hoist was serviced.", created_at=at + timedelta(minutes=1))
    )  # fmt: skip
    factories.ActionEvidenceFactory(
        action=action, filename="mar-audit.pdf", uploaded_by_id=provider_user.id,
        uploaded_by_label="Pat Provider (Provider user)", uploaded_at=at + timedelta(minutes=2),
    )  # fmt: skip
    db.session.add(
        ActionEvent(action_id=action.id, user_id=provider_user.id, actor_label="Pat Provider (Provider user)",
                    from_status="open", to_status="evidence_submitted", at=at + timedelta(minutes=3))
    )  # fmt: skip
    # Staff working on the provider's behalf, and another service's activity, are not the provider's doing here.
    factories.ActionEvidenceFactory(
        action=action, filename="officer-upload.pdf", uploaded_by_id=officer.id, uploaded_by_label="Olive (QMM officer)"
    )
    db.session.add(ActionEvent(action_id=action.id, user_id=officer.id, actor_label="Olive", to_status="in_progress"))
    db.session.add(ActionEvent(action_id=action.id, user_id=provider_user.id, actor_label="Pat", note="Evidence added"))
    other_visit = _shared(other_service)
    db.session.add(VisitReadReceipt(visit_id=other_visit.id, user_id=provider_user.id, first_read_at=at,
                                    last_read_at=at + timedelta(hours=1)))  # fmt: skip
    db.session.commit()


def test_provider_activity_lists_what_the_providers_users_did_newest_first(app_ctx, service, provider):
    user = factories.UserFactory(role=Role.PROVIDER, provider=provider, name="Pat Provider")
    officer = factories.UserFactory(role=Role.OFFICER)
    other_service = factories.ServiceFactory(provider=provider, name="Other Home")
    at = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    _activity_for(service, user, officer, at=at, other_service=other_service)

    entries = visit_feedback.provider_activity(db.session, service.id)
    assert [(e.kind, e.what) for e in entries] == [
        ("status", "Marked an action evidence submitted"),
        ("evidence", "Added evidence: mar-audit.pdf"),
        ("comment", "Commented on the report of the visit on 30 October 2026, about Safe"),
        ("read", "Read the report of the visit on 30 October 2026"),
    ]
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert entries[0].detail == "Sign every MAR chart" and entries[0].endpoint == "actions.view"
    assert entries[2].detail == "The hoist was serviced." and entries[2].endpoint == "visits.view"
    assert entries[3].who == "Pat Provider (Provider user)"
    assert entries[3].detail == "First read 10 November 2026 at 10:00am; opened 3 times"


def test_provider_activity_is_capped_and_takes_four_queries_however_much_there_is(app_ctx, service, provider):
    user = factories.UserFactory(role=Role.PROVIDER, provider=provider)
    officer = factories.UserFactory(role=Role.OFFICER)
    other_service = factories.ServiceFactory(provider=provider)
    service_id = service.id
    _activity_for(service, user, officer, at=datetime(2026, 11, 1, tzinfo=UTC), other_service=other_service)
    db.session.expire_all()
    with counted_queries() as few:
        assert len(visit_feedback.provider_activity(db.session, service_id)) == 4
    for day in range(2, 9):
        _activity_for(service, user, officer, at=datetime(2026, 11, day, tzinfo=UTC), other_service=other_service)
    db.session.expire_all()
    with counted_queries() as many:
        entries = visit_feedback.provider_activity(db.session, service_id, limit=20)
    assert len(entries) == 20
    assert entries[0].at.date() == date(2026, 11, 8) and entries[-1].at.date() == date(2026, 11, 4)
    assert len(few) == len(many) == 4


def test_the_activity_include_shows_staff_the_entries_with_links(app, app_ctx, service, provider):
    user = factories.UserFactory(role=Role.PROVIDER, provider=provider, name="Pat Provider")
    officer = factories.UserFactory(role=Role.OFFICER)
    _activity_for(service, user, officer, at=datetime(2026, 11, 10, 10, 0, tzinfo=UTC),
                  other_service=factories.ServiceFactory(provider=provider))  # fmt: skip
    entries = visit_feedback.provider_activity(db.session, service.id)
    with app.test_request_context():
        g._login_user = officer
        soup = page_of(render_template("visits/_provider_activity.html", provider_activity=entries))
        g._login_user = user
        hidden = render_template("visits/_provider_activity.html", provider_activity=entries)
        g._login_user = officer
        empty = page_of(render_template("visits/_provider_activity.html", provider_activity=[]))
    rows = table_rows(soup, "[data-testid=provider-activity] table")
    assert rows[0] == ["10 November 2026 at 10:03am", "Pat Provider (Provider user)",
                       "Marked an action evidence submitted Sign every MAR chart"]  # fmt: skip
    links = [a["href"] for a in soup.select("[data-testid=provider-activity] a")]
    assert links[0].startswith("/actions/") and links[-1].startswith("/visits/")
    assert hidden.strip() == ""
    assert "Nobody at the provider has read a report" in text(empty)


def page_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html5lib")
