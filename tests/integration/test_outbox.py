"""E-mail digests of new flags: queued once per person and day, sent through a real local SMTP server, retried."""

import socket
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy.orm import Session

from provider_monitor.enums import FlagKind, FlagSeverity, Role
from provider_monitor.extensions import db
from provider_monitor.models import Flag, OutboxMessage
from provider_monitor.services.mail import smtp_sender_from_config
from provider_monitor.services.outbox import SendResult, queue_digests, send_due
from tests import factories

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=1)
OVERDUE = "visit due 2026-10-01, 53 days overdue"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it accepts, or refuses with the reply set in `refuse`."""

    def __init__(self):
        self.messages = []
        self.refuse = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (no STARTTLS) for the length of the test."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def _mail_config(port: int, **overrides) -> dict:
    return {
        "MAIL_FROM": "provider-monitor@example.gov.uk",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_USERNAME": "",
        "SMTP_PASSWORD": "",
        "SMTP_STARTTLS": False,
        "SMTP_TIMEOUT": 5,
        **overrides,
    }


def _flag(service=None, *, provider_id=None, kind=FlagKind.VISIT_OVERDUE, evidence=OVERDUE, raised_at=EARLIER,
          resolved_at=None) -> Flag:  # fmt: skip
    """A flag as the sweep would raise it: on a service, or provider-wide when given a provider_id."""
    subject = f"service:{service.id}" if service else f"escalation:{provider_id}"
    flag = Flag(
        kind=kind,
        subject_key=subject,
        provider_id=service.provider_id if service else provider_id,
        service_id=service.id if service else None,
        severity=FlagSeverity.HIGH,
        evidence=evidence,
        raised_at=raised_at,
        resolved_at=resolved_at,
    )
    db.session.add(flag)
    db.session.commit()
    return flag


def _messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _queue_one() -> OutboxMessage:
    officer = factories.UserFactory(role=Role.OFFICER, name="Olive Officer", email="olive@example.gov.uk")
    _flag(factories.ServiceFactory(name="Elm House", link_officer_id=officer.id))
    assert queue_digests(db.session, today=TODAY) == 1
    db.session.commit()
    return _messages()[0]


# Queuing


def test_one_digest_per_officer_per_day_and_a_rerun_queues_nothing(app_ctx):
    olive = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    omar = factories.UserFactory(role=Role.OFFICER, name="Omar Officer")
    elm = factories.ServiceFactory(name="Elm House", link_officer_id=olive.id)
    oak = factories.ServiceFactory(name="Oak Lodge", link_officer_id=omar.id)
    _flag(elm)
    _flag(elm, kind=FlagKind.ACTION_OVERDUE, evidence="action due 2026-11-01")
    _flag(oak, kind=FlagKind.RATING_DECLINE, evidence="Safe: Good → Requires improvement, report 2026-05-01")

    assert queue_digests(db.session, today=TODAY) == 2
    db.session.commit()
    assert queue_digests(db.session, today=TODAY) == 0
    db.session.commit()

    messages = _messages()
    assert [m.key for m in messages] == [f"digest:user:{olive.id}:2026-11-23", f"digest:user:{omar.id}:2026-11-23"]
    assert [m.to_address for m in messages] == [olive.email, omar.email]
    assert messages[0].subject == "Provider Monitor: 2 new flags on 23 November 2026"
    assert messages[1].subject == "Provider Monitor: 1 new flag on 23 November 2026"
    assert all(m.sent_at is None and m.attempts == 0 for m in messages)


def test_a_digest_lists_only_the_flags_on_that_persons_services(app_ctx):
    olive = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    omar = factories.UserFactory(role=Role.OFFICER)
    mine = _flag(factories.ServiceFactory(name="Elm House", provider__name="Elm Care Ltd", link_officer_id=olive.id))
    theirs = _flag(factories.ServiceFactory(name="Oak Lodge", link_officer_id=omar.id), evidence="Oak evidence")

    queue_digests(db.session, today=TODAY)

    body = db.session.scalars(sa.select(OutboxMessage.body).where(OutboxMessage.to_address == olive.email)).one()
    assert body.startswith("Hello Olive Officer,")
    assert "Visit overdue (high severity): Elm House (Elm Care Ltd)" in body
    assert "visit due 2026-10-01, 53 days overdue" in body
    assert f"/flags/{mine.id}\n" in body
    assert "Oak Lodge" not in body and "Oak evidence" not in body and f"/flags/{theirs.id}\n" not in body


def test_contract_managers_get_the_flags_on_the_services_they_manage(app_ctx):
    manager = factories.UserFactory(role=Role.CONTRACT_MANAGER)
    officer = factories.UserFactory(role=Role.OFFICER)
    flag = _flag(factories.ServiceFactory(name="Elm House", link_officer_id=officer.id, contract_manager_id=manager.id))

    assert queue_digests(db.session, today=TODAY) == 2

    for person in (manager, officer):
        body = db.session.scalars(sa.select(OutboxMessage.body).where(OutboxMessage.to_address == person.email)).one()
        assert f"/flags/{flag.id}" in body


def test_a_provider_wide_flag_goes_to_those_looking_after_its_services(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    service = factories.ServiceFactory(link_officer_id=officer.id, provider__name="Birch Care Group")
    flag = _flag(
        provider_id=service.provider_id, kind=FlagKind.ESCALATION_REVIEW_OVERDUE, evidence="review due 2026-11-01"
    )

    assert queue_digests(db.session, today=TODAY) == 1

    body = db.session.scalars(sa.select(OutboxMessage.body)).one()
    assert "Escalation review overdue (high severity): Birch Care Group (provider-wide)" in body
    assert f"/flags/{flag.id}" in body


def test_no_digest_when_nothing_new_for_someone_who_should_get_one(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    gone = factories.UserFactory(role=Role.OFFICER, active=False)
    boss = factories.UserFactory(role=Role.MANAGER)
    _flag(factories.ServiceFactory(link_officer_id=officer.id), raised_at=NOW - timedelta(days=1))
    _flag(factories.ServiceFactory(link_officer_id=officer.id), resolved_at=NOW)
    _flag(factories.ServiceFactory(link_officer_id=gone.id))
    _flag(factories.ServiceFactory(link_officer_id=boss.id))
    _flag(factories.ServiceFactory())

    assert queue_digests(db.session, today=TODAY) == 0
    assert _messages() == []


def test_the_day_is_the_councils_day_in_uk_time(app_ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time.
    _flag(factories.ServiceFactory(link_officer_id=officer.id), raised_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))

    assert queue_digests(db.session, today=date(2026, 6, 30)) == 0
    assert queue_digests(db.session, today=date(2026, 7, 1)) == 1


# Sending


def test_send_due_delivers_through_the_smtp_server(app_ctx, smtp_server):
    queued = _queue_one()
    sender = smtp_sender_from_config(_mail_config(smtp_server.port))

    assert send_due(db.session, now=NOW, sender=sender) == SendResult(sent=1, failed=0)

    [(recipients, received)] = smtp_server.messages
    assert recipients == ["olive@example.gov.uk"]
    assert received["To"] == "olive@example.gov.uk"
    assert received["From"] == "provider-monitor@example.gov.uk"
    assert received["Subject"] == "Provider Monitor: 1 new flag on 23 November 2026"
    assert received.get_content().replace("\r\n", "\n") == queued.body
    [message] = _messages()
    assert (message.sent_at, message.attempts, message.last_error) == (NOW, 1, None)
    # Sent is sent: a later run sends nothing again.
    assert send_due(db.session, now=NOW + timedelta(hours=1), sender=sender) == SendResult(sent=0, failed=0)
    assert len(smtp_server.messages) == 1


def test_a_refusal_loses_nothing_and_the_message_is_retried_after_the_backoff(app_ctx, smtp_server):
    _queue_one()
    sender = smtp_sender_from_config(_mail_config(smtp_server.port))
    smtp_server.refuse = "550 Mailbox unavailable"

    assert send_due(db.session, now=NOW, sender=sender) == SendResult(sent=0, failed=1)

    [message] = _messages()
    assert message.sent_at is None and message.attempts == 1
    assert "550" in message.last_error and "Mailbox unavailable" in message.last_error
    assert message.next_attempt_at == NOW + timedelta(minutes=5)

    # Not due yet: nothing is tried before the backoff has passed.
    smtp_server.refuse = None
    assert send_due(db.session, now=NOW + timedelta(minutes=4), sender=sender) == SendResult(sent=0, failed=0)
    assert smtp_server.messages == []

    assert send_due(db.session, now=NOW + timedelta(minutes=5), sender=sender) == SendResult(sent=1, failed=0)
    assert [rcpt for rcpt, _ in smtp_server.messages] == [["olive@example.gov.uk"]]
    [message] = _messages()
    assert (message.sent_at, message.attempts, message.last_error) == (NOW + timedelta(minutes=5), 2, None)


def test_nothing_listening_is_handled_as_a_failure_and_retried(app_ctx, smtp_server):
    _queue_one()
    nobody = smtp_sender_from_config(_mail_config(_free_port()))

    assert send_due(db.session, now=NOW, sender=nobody) == SendResult(sent=0, failed=1)

    [message] = _messages()
    assert message.sent_at is None and message.attempts == 1
    assert message.last_error.startswith("ConnectionRefusedError")
    assert message.next_attempt_at > NOW

    later = NOW + timedelta(minutes=5)
    sender = smtp_sender_from_config(_mail_config(smtp_server.port))
    assert send_due(db.session, now=later, sender=sender) == SendResult(sent=1, failed=0)
    assert len(smtp_server.messages) == 1


def test_starttls_required_but_not_offered_fails_without_sending(app_ctx, smtp_server):
    _queue_one()
    sender = smtp_sender_from_config(_mail_config(smtp_server.port, SMTP_STARTTLS=True))

    assert send_due(db.session, now=NOW, sender=sender) == SendResult(sent=0, failed=1)

    assert smtp_server.messages == []
    assert "STARTTLS" in _messages()[0].last_error


def test_the_sender_signs_in_when_a_username_is_set(app_ctx):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=_free_port(), authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        _queue_one()
        good = smtp_sender_from_config(_mail_config(controller.port, SMTP_USERNAME="relay", SMTP_PASSWORD="s3cret"))
        assert send_due(db.session, now=NOW, sender=good) == SendResult(sent=1, failed=0)
    finally:
        controller.stop()
    assert logins == [(b"relay", b"s3cret")]
    assert len(inbox.messages) == 1


def test_mail_max_attempts_is_respected(app, app_ctx, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    _queue_one()
    sender = smtp_sender_from_config(_mail_config(smtp_server.port))
    smtp_server.refuse = "550 No such user"

    now, waits = NOW, []
    for _ in range(3):
        assert send_due(db.session, now=now, sender=sender) == SendResult(sent=0, failed=1)
        message = _messages()[0]
        if message.next_attempt_at is not None:
            waits.append(message.next_attempt_at - now)
            now = message.next_attempt_at

    assert waits == [timedelta(minutes=5), timedelta(minutes=10)]
    # Given up: left unsent with its error for admins to see, never tried again.
    smtp_server.refuse = None
    assert send_due(db.session, now=now + timedelta(days=7), sender=sender) == SendResult(sent=0, failed=0)
    message = _messages()[0]
    assert (message.attempts, message.sent_at, message.next_attempt_at) == (3, None, None)
    assert "No such user" in message.last_error
    assert smtp_server.messages == []


def test_oldest_first_and_a_second_sender_at_the_same_time_skips_a_claimed_message(app_ctx):
    for n in range(2):
        db.session.add(OutboxMessage(key=f"test:{n}", to_address=f"p{n}@example.gov.uk", subject=f"S{n}", body="b",
                                     created_at=NOW - timedelta(minutes=10 - n)))  # fmt: skip
    db.session.commit()
    calls, inner_results = [], []

    def sender(to, subject, body):
        calls.append(to)
        if len(calls) == 1:
            # Another scheduler started by mistake runs while this message is being sent.
            with Session(db.engine) as other:
                inner_results.append(send_due(other, now=NOW, sender=lambda *a: calls.append(("other",) + a)))

    assert send_due(db.session, now=NOW, sender=sender) == SendResult(sent=1, failed=0)

    # The other sender skipped the claimed first message and sent the second one itself.
    assert calls == ["p0@example.gov.uk", ("other", "p1@example.gov.uk", "S1", "b")]
    assert inner_results == [SendResult(sent=1, failed=0)]
    assert all(m.sent_at == NOW and m.attempts == 1 for m in _messages())
