"""The Flags page and a flag's page: who sees what, filters, age, CSV, acknowledging, assigning, commenting."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import FlagKind, FlagSeverity, Role
from provider_monitor.extensions import db
from provider_monitor.models import Flag, FlagNote, Provider
from tests import factories
from tests.factories import FlagFactory, provider_wide_flag
from tests.helpers import counted_queries, error_summary, field_error, page, table_rows, text

TODAY = date.today()


def _rows(response) -> list[list[str]]:
    return table_rows(page(response), "[data-testid=flags]")


def _evidence(response) -> list[str]:
    return [row[4] for row in _rows(response)]


def _reloaded(flag) -> Flag:
    db.session.expire_all()
    return db.session.get(Flag, flag.id)


def _notes(flag) -> list[FlagNote]:
    return list(db.session.scalars(sa.select(FlagNote).where(FlagNote.flag_id == flag.id).order_by(FlagNote.id)))


# --- Who may see them ----------------------------------------------------------------------------


def test_provider_users_are_refused_every_flag_page(client, login_as):
    flag = FlagFactory()
    login_as(Role.PROVIDER, provider=db.session.get(Provider, flag.provider_id))
    for path in ("/flags", "/flags.csv", f"/flags/{flag.id}"):
        assert client.get(path).status_code == 403, path
    for action in ("acknowledge", "assign", "comment"):
        assert client.post(f"/flags/{flag.id}/{action}", data={"comment": "x"}).status_code == 403
    assert _notes(flag) == []


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CONTRACT_MANAGER, Role.MANAGER, Role.HEAD_OF_SERVICE,
                                  Role.DIRECTOR, Role.ADMIN])  # fmt: skip
def test_every_staff_role_can_open_the_flags_and_a_flag(client, login_as, role):
    flag = FlagFactory(evidence="Visit due 1 March 2026, 43 days overdue")
    login_as(role)
    assert client.get("/flags?whose=all").status_code == 200
    assert "43 days overdue" in text(page(client.get(f"/flags/{flag.id}")).select_one("[data-testid=flag-details]"))
    assert client.post(f"/flags/{flag.id}/comment", data={"comment": "Seen"}).status_code == 302


def test_an_unknown_flag_is_404(client, login_as):
    login_as(Role.MANAGER)
    assert client.get("/flags/999999").status_code == 404
    assert client.post("/flags/999999/acknowledge", data={}).status_code == 404


# --- The Flags page ------------------------------------------------------------------------------


def test_an_officer_starts_with_their_own_flags_and_can_see_all(client, login_as):
    officer = login_as(Role.OFFICER, name="Olu Officer")
    FlagFactory(on=factories.ServiceFactory(name="Linked House", link_officer=officer), evidence="linked")
    FlagFactory(on=factories.ServiceFactory(name="Managed House", contract_manager=officer), evidence="managed")
    FlagFactory(on=factories.ServiceFactory(name="Given House"), evidence="given", assigned_to_id=officer.id)
    FlagFactory(on=factories.ServiceFactory(name="Other House"), evidence="other")

    assert sorted(_evidence(client.get("/flags"))) == ["given", "linked", "managed"]
    assert sorted(_evidence(client.get("/flags?whose=all"))) == ["given", "linked", "managed", "other"]
    row = next(r for r in _rows(client.get("/flags")) if r[4] == "linked")
    assert row[:4] == ["Visit overdue", "Medium", "Linked House", "Olu Officer"]


def test_managers_start_with_every_flag_most_severe_then_longest_standing_first(client, login_as):
    login_as(Role.MANAGER)
    FlagFactory(severity=FlagSeverity.LOW, evidence="low")
    FlagFactory(severity=FlagSeverity.HIGH, since_on=TODAY - timedelta(days=5), evidence="high recent")
    FlagFactory(severity=FlagSeverity.HIGH, since_on=TODAY - timedelta(days=50), evidence="high old")
    FlagFactory(severity=FlagSeverity.MEDIUM, evidence="medium")
    assert _evidence(client.get("/flags")) == ["high old", "high recent", "medium", "low"]


def test_filters_by_kind_severity_status_service_and_link_officer(client, login_as):
    login_as(Role.MANAGER)
    lou = factories.UserFactory(name="Lou Link")
    now = datetime.now(UTC)
    FlagFactory(on=factories.ServiceFactory(name="Elm House", link_officer=lou), evidence="elm")
    FlagFactory(kind=FlagKind.ACTION_OVERDUE, subject_key="action:1", severity=FlagSeverity.HIGH, evidence="action")
    FlagFactory(acknowledged_at=now, evidence="seen")
    FlagFactory(resolved_at=now, evidence="cleared")
    provider_wide_flag(factories.ProviderFactory(name="Oak Group Ltd"))

    assert _evidence(client.get("/flags?kind=action_overdue")) == ["action"]
    assert _evidence(client.get("/flags?severity=high&kind=action_overdue")) == ["action"]
    assert _evidence(client.get("/flags?status=acknowledged")) == ["seen"]
    assert "seen" not in _evidence(client.get("/flags?status=unacknowledged"))
    assert _evidence(client.get("/flags?status=resolved")) == ["cleared"]
    assert "cleared" not in _evidence(client.get("/flags"))
    assert _evidence(client.get("/flags?service=ELM")) == ["elm"]
    assert _evidence(client.get(f"/flags?whose={lou.id}")) == ["elm"]
    # A flag on a whole provider is found by the provider's name, and links to the provider.
    response = client.get("/flags?service=oak")
    assert [r[2] for r in _rows(response)] == ["Oak Group Ltd (whole provider)"]
    assert page(response).select_one("[data-testid=flags] a[href^='/providers/']") is not None


def test_counts_by_kind_follow_the_other_filters_and_link_to_the_kind(client, login_as):
    login_as(Role.MANAGER)
    FlagFactory(kind=FlagKind.NEVER_VISITED, severity=FlagSeverity.HIGH)
    FlagFactory(kind=FlagKind.NEVER_VISITED)
    FlagFactory(kind=FlagKind.CONTRACT_EXPIRING, severity=FlagSeverity.HIGH)

    soup = page(client.get("/flags?severity=high"))

    counts = {text(li) for li in soup.select("[data-testid=kind-counts] li")}
    assert {"Never visited: 1", "Contract expiring: 1", "Visit overdue: 0"} <= counts
    link = soup.select_one("[data-testid=kind-counts] a[href*='kind=never_visited']")
    assert "severity=high" in link["href"]
    assert text(soup.select_one("[data-testid=result-count]")) == "2 flags"


def test_age_reads_from_the_start_of_the_condition_or_from_raising(client, login_as):
    login_as(Role.MANAGER)
    FlagFactory(since_on=TODAY - timedelta(days=43), evidence="since")
    FlagFactory(raised_at=datetime.now(UTC) - timedelta(days=3), evidence="raised")
    FlagFactory(evidence="today")
    ages = {row[4]: row[5] for row in _rows(client.get("/flags"))}
    day = TODAY - timedelta(days=43)
    assert ages["since"] == f"Since {day.day} {day:%B %Y} (43 days)"
    assert ages["raised"] == "Raised 3 days ago"
    assert ages["today"] == "Raised today"


def test_handling_shows_acknowledged_and_assigned(client, login_as):
    login_as(Role.MANAGER)
    sam = factories.UserFactory(name="Sam Smith")
    FlagFactory(acknowledged_at=datetime(2026, 5, 3, 10, tzinfo=UTC), assigned_to_id=sam.id)
    FlagFactory()
    handling = sorted(row[6] for row in _rows(client.get("/flags")))
    assert handling == ["Acknowledged 3 May 2026; assigned to Sam Smith", "Not acknowledged"]


def test_bad_filters_are_a_clear_400(client, login_as):
    login_as(Role.MANAGER)
    response = client.get("/flags?kind=purple&status=gone")
    assert response.status_code == 400
    messages = [message for message, _ in error_summary(page(response))]
    assert "Select kind of flag from the list" in messages and "Select status from the list" in messages
    assert client.get("/flags.csv?severity=bad").status_code == 400


def test_the_csv_has_exactly_the_rows_of_every_page(app, client, login_as, monkeypatch):
    login_as(Role.MANAGER)
    officer = factories.UserFactory(name="Lee Officer")
    for n in range(5):
        service = factories.ServiceFactory(name=f"House {n}", link_officer=officer)
        FlagFactory(on=service, since_on=TODAY - timedelta(days=10 + n), evidence=f"=evidence {n}")
    FlagFactory(kind=FlagKind.NEVER_VISITED, evidence="other kind")
    monkeypatch.setitem(app.config, "FLAGS_PAGE_SIZE", 2)
    shown = []
    for number in (1, 2, 3):
        shown += _rows(client.get(f"/flags?kind=visit_overdue&page={number}"))

    response = client.get("/flags.csv?kind=visit_overdue")

    assert response.headers["Content-Disposition"] == 'attachment; filename="flags.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:8] == ["Flag", "Severity", "Service", "Provider", "Link officer", "Evidence", "Age", "Handling"]
    assert len(rows) == 6 and len(shown) == 5
    assert rows[1][5] == "'=evidence 4"  # the longest-standing first, and a formula neutralised
    assert [[r[0], r[1], r[2], r[4], r[5].lstrip("'"), r[6], r[7]] for r in rows[1:]] == [
        [s[0], s[1], s[2], s[3], s[4], s[5], s[6]] for s in shown
    ]


def test_the_page_takes_the_same_number_of_queries_whatever_the_number_of_flags(client, login_as):
    login_as(Role.MANAGER)
    FlagFactory(assigned_to_id=factories.UserFactory().id)

    def queries() -> int:
        with counted_queries() as statements:
            assert client.get("/flags").status_code == 200
        return len(statements)

    few = queries()
    for _ in range(6):
        FlagFactory(on=factories.ServiceFactory(link_officer=factories.UserFactory()),
                    assigned_to_id=factories.UserFactory().id)  # fmt: skip
    provider_wide_flag(factories.ProviderFactory())
    assert queries() == few


# --- One flag ------------------------------------------------------------------------------------


def test_a_flag_links_to_its_subject(client, login_as):
    login_as(Role.MANAGER)
    action = factories.ActionFactory()
    timer = factories.EscalationTimerFactory()
    cases = [
        (FlagFactory(kind=FlagKind.ACTION_OVERDUE, subject_key=f"action:{action.id}"), f"/actions/{action.id}"),
        (FlagFactory(kind=FlagKind.ESCALATION_TIMER_MISSED, subject_key=f"timer:{timer.id}"),
         f"/escalations/{timer.escalation_id}"),
        (FlagFactory(kind=FlagKind.ESCALATION_REVIEW_OVERDUE, subject_key="escalation:5"), "/escalations/5"),
        (FlagFactory(kind=FlagKind.RATING_DECLINE, subject_key="rating_change:3"), None),
        (FlagFactory(), None),
    ]  # fmt: skip
    cases[3] = (cases[3][0], f"/services/{cases[3][0].service_id}#cqc-ratings")
    cases[4] = (cases[4][0], f"/services/{cases[4][0].service_id}")
    for flag, href in cases:
        details = page(client.get(f"/flags/{flag.id}")).select_one("[data-testid=flag-details]")
        about = next(row for row in details.select(".govuk-summary-list__row") if "About" in text(row))
        assert about.select_one("a")["href"] == href, flag.subject_key


def test_acknowledging_with_a_comment_records_who_and_hides_the_form(client, login_as):
    login_as(Role.OFFICER, name="Ola Officer")
    flag = FlagFactory()
    soup = page(client.get(f"/flags/{flag.id}"))
    version = soup.select_one("[data-testid=acknowledge-form] input[name=version_id]")["value"]

    response = client.post(
        f"/flags/{flag.id}/acknowledge", data={"acknowledge_comment": "Visit booked for Tuesday", "version_id": version}
    )

    assert response.status_code == 302
    saved = _reloaded(flag)
    assert saved.acknowledged_at is not None and saved.acknowledged_by_id is not None
    [note] = _notes(flag)
    assert (note.action, note.text) == ("acknowledged", "Visit booked for Tuesday")
    assert note.by_label == "Ola Officer (QMM officer)"
    soup = page(client.get(f"/flags/{flag.id}"))
    assert soup.select_one("[data-testid=acknowledge-form]") is None
    assert table_rows(soup, "[data-testid=notes]")[0][1:] == [
        "Ola Officer (QMM officer)", "Acknowledged", "Visit booked for Tuesday",
    ]  # fmt: skip
    # Acknowledging again (without a version, as a hand-made request) is refused, with nothing added.
    again = client.post(f"/flags/{flag.id}/acknowledge", data={"acknowledge_comment": ""})
    assert again.status_code == 400
    assert "already acknowledged" in text(page(again).select_one(".govuk-error-summary"))
    assert len(_notes(flag)) == 1


def test_a_stale_acknowledgement_is_a_409_and_changes_nothing(client, login_as):
    login_as(Role.MANAGER)
    flag = FlagFactory()
    seen = flag.version_id
    flag.evidence = "Visit due 1 March 2026, 44 days overdue"  # the sweep moved it on
    db.session.commit()

    response = client.post(
        f"/flags/{flag.id}/acknowledge", data={"acknowledge_comment": "On it", "version_id": str(seen)}
    )

    soup = page(response)
    assert response.status_code == 409
    assert "Your changes have not been saved" in text(soup.select_one(".govuk-error-summary"))
    assert soup.select_one("#acknowledge_comment").get_text().strip() == "On it"
    assert soup.select_one("[data-testid=acknowledge-form] input[name=version_id]")["value"] == str(flag.version_id)
    assert _reloaded(flag).acknowledged_at is None and _notes(flag) == []


def test_assigning_needs_an_active_member_of_staff(client, login_as):
    login_as(Role.MANAGER, name="Mo Manager")
    flag = FlagFactory()
    sam = factories.UserFactory(name="Sam Smith", role=Role.OFFICER)
    gone = factories.UserFactory(name="Gone Person", active=False)
    options = [o.get_text() for o in page(client.get(f"/flags/{flag.id}")).select("#assigned_to option")]
    assert "Sam Smith (QMM officer)" in options and not any("Gone Person" in o for o in options)

    for chosen in ("", str(gone.id), "abc"):
        response = client.post(f"/flags/{flag.id}/assign", data={"assigned_to": chosen, "assign_comment": "Please"})
        soup = page(response)
        assert response.status_code == 400
        assert error_summary(soup) == [("Select who to assign the flag to", "#assigned_to")]
        assert field_error(soup, "assigned_to") == "Select who to assign the flag to"
        assert soup.select_one("#assign_comment").get_text().strip() == "Please"

    response = client.post(
        f"/flags/{flag.id}/assign",
        data={"assigned_to": str(sam.id), "assign_comment": "Your patch", "version_id": str(flag.version_id)},
    )
    assert response.status_code == 302
    assert _reloaded(flag).assigned_to_id == sam.id
    rows = table_rows(page(client.get(f"/flags/{flag.id}")), "[data-testid=notes]")
    assert rows[-1][1:] == ["Mo Manager (Manager)", "Assigned to Sam Smith", "Your patch"]


def test_a_stale_assignment_is_a_409(client, login_as):
    login_as(Role.MANAGER)
    flag = FlagFactory()
    sam = factories.UserFactory(name="Sam Smith")
    seen = flag.version_id
    flag.severity = FlagSeverity.HIGH
    db.session.commit()
    response = client.post(f"/flags/{flag.id}/assign", data={"assigned_to": str(sam.id), "version_id": str(seen)})
    assert response.status_code == 409
    assert _reloaded(flag).assigned_to_id is None and _notes(flag) == []


def test_a_comment_is_needed_and_kept_to_a_length(client, login_as):
    login_as(Role.CONTRACT_MANAGER, name="Cy Contract")
    flag = FlagFactory()
    blank = client.post(f"/flags/{flag.id}/comment", data={"comment": "   "})
    assert blank.status_code == 400
    assert error_summary(page(blank)) == [("Enter a comment", "#comment")]
    long = client.post(f"/flags/{flag.id}/comment", data={"comment": "x" * 2001})
    assert long.status_code == 400
    assert field_error(page(long), "comment") == "Comment must be 2,000 characters or fewer"
    assert _notes(flag) == []

    assert client.post(f"/flags/{flag.id}/comment", data={"comment": "Rang the manager"}).status_code == 302
    [note] = _notes(flag)
    assert (note.action, note.text, note.by_label) == ("comment", "Rang the manager", "Cy Contract (Contract manager)")


def test_a_resolved_flag_takes_comments_but_not_acknowledgement_or_assignment(client, login_as):
    login_as(Role.MANAGER)
    flag = FlagFactory(resolved_at=datetime(2026, 4, 2, 9, tzinfo=UTC), resolved_note="A visit was logged")
    soup = page(client.get(f"/flags/{flag.id}"))
    assert soup.select_one("[data-testid=acknowledge-form]") is None
    assert soup.select_one("[data-testid=assign-form]") is None
    assert "A visit was logged" in text(soup.select_one("[data-testid=flag-details]"))

    response = client.post(f"/flags/{flag.id}/acknowledge", data={"version_id": str(flag.version_id)})
    assert response.status_code == 400
    assert "resolved on 2 April 2026" in text(page(response).select_one(".govuk-error-summary"))
    assert client.post(f"/flags/{flag.id}/comment", data={"comment": "Closed off"}).status_code == 302
    assert [n.action for n in _notes(flag)] == ["comment"]
