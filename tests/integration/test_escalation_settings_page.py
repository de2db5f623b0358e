"""The escalation rules admin page: who may decide at each level, the timers, validation, conflicts, history."""

import pytest

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models.escalation import EscalationAuthority, EscalationSettings
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services import escalation_settings
from provider_monitor.services.escalations import load_authority, load_timer_settings
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text

URL = "/admin/escalation-rules"
DEFAULT_FORM = {
    "authority_0": "officer",
    "authority_1": "manager",
    "authority_2": "head_of_service",
    "authority_3": "head_of_service",
    "authority_4": "director",
    "authority_5": "director",
    "suspension_letter_working_days": "7",
    "suspension_review_weeks": "4",
    "appeal_working_days": "5",
    "due_soon_days": "5",
}


def _submitted(client, **changes):
    values = form_values(page(client.get(URL)))
    values.update({key: str(value) for key, value in changes.items()})
    return values


def _seed_as_migration_does():
    """The rows migration 005 seeds (version 1), so the page is tried against them too."""
    for level, role in rules.DEFAULT_AUTHORITY.items():
        db.session.add(EscalationAuthority(level=level, role=role))
    db.session.add(EscalationSettings(id=1, **vars(rules.TimerSettings())))
    db.session.commit()


def test_the_page_shows_the_design_defaults_on_an_empty_database(client, login_as):
    login_as(Role.ADMIN)
    soup = page(client.get(URL))
    values = form_values(soup)
    assert {name: values[name] for name in DEFAULT_FORM} == DEFAULT_FORM
    assert values["version_id"] == "0"
    rows = table_rows(soup, "[data-testid=authority]")
    assert [row[0] for row in rows] == [rules.level_label(level) for level in rules.LEVELS]
    assert [row[-1] for row in rows] == ["QMM officer", "Manager", "Head of service", "Head of service"] + [
        "Director"
    ] * 2
    options = [option.get_text() for option in soup.select("#authority_0 option")]
    assert options == ["QMM officer", "Manager", "Head of service", "Director"]
    assert "The design’s default is 7" in text(soup.select_one("#suspension_letter_working_days-hint"))
    suffixes = [text(suffix) for suffix in soup.select("main form .govuk-input__suffix")]
    assert suffixes == ["working days", "weeks", "working days", "days"]
    assert "not been changed" in text(soup.select_one("[data-testid=rules-history]"))


def test_the_page_shows_the_rules_in_force(client, login_as):
    _seed_as_migration_does()
    db.session.get(EscalationSettings, 1).suspension_review_weeks = 6
    db.session.scalar(db.select(EscalationAuthority).filter_by(level=1)).role = Role.HEAD_OF_SERVICE
    db.session.commit()
    login_as(Role.ADMIN)
    soup = page(client.get(URL))
    values = form_values(soup)
    assert values["suspension_review_weeks"] == "6" and values["authority_1"] == "head_of_service"
    assert values["version_id"] == str(escalation_settings.rules_version(db.session))
    # The defaults column still says what the design asks for.
    assert text(soup.select_one("[data-testid=default-1]")) == "Manager"


@pytest.mark.parametrize(
    "role", [Role.OFFICER, Role.MANAGER, Role.CONTRACT_MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR, Role.PROVIDER]
)
def test_only_admins_may_use_it(client, login_as, app_ctx, role):
    login_as(role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=DEFAULT_FORM).status_code in (400, 403)
    assert escalation_settings.rules_version(db.session) is None


def test_saving_changes_who_decides_and_the_timers(client, login_as):
    login_as(Role.ADMIN, name="Ada Admin")
    response = client.post(
        URL,
        data=_submitted(client, authority_1="head_of_service", suspension_letter_working_days=10, due_soon_days=0),
    )
    assert response.status_code == 302 and response.location.endswith(URL)
    soup = page(client.get(URL))
    assert "Escalation rules saved" in text(soup.select_one(".govuk-notification-banner"))
    assert form_values(soup)["authority_1"] == "head_of_service"
    assert load_authority(db.session)[1] == Role.HEAD_OF_SERVICE
    assert not rules.may_decide(Role.MANAGER, 1, load_authority(db.session))
    timers = load_timer_settings(db.session)
    assert (timers.suspension_letter_working_days, timers.due_soon_days) == (10, 0)
    assert timers.suspension_review_weeks == 4
    history = table_rows(soup, "[data-testid=rules-history]")
    changes = " ".join(row[2] for row in history)
    assert "Level 1 (Enhanced monitoring): Manager → Head of service" in changes
    assert "Suspension letter: 7 → 10 working days" in changes and "Due soon warning: 5 → 0 days" in changes
    assert "Suspension review" not in changes
    assert history and all("Ada Admin" in row[1] for row in history)


def test_saving_over_the_seeded_rows(client, login_as):
    _seed_as_migration_does()
    login_as(Role.ADMIN)
    assert client.post(URL, data=_submitted(client, authority_5="director", appeal_working_days=8)).status_code == 302
    assert load_timer_settings(db.session).appeal_working_days == 8
    rows = table_rows(page(client.get(URL)), "[data-testid=rules-history]")
    assert [row[2] for row in rows] == ["Provider appeal: 5 → 8 working days"]


def test_saving_the_same_values_changes_nothing(client, login_as):
    login_as(Role.ADMIN)
    assert client.post(URL, data=_submitted(client)).status_code == 302
    soup = page(client.get(URL))
    assert "Nothing was changed" in text(soup.select_one(".govuk-notification-banner"))
    assert table_rows(soup, "[data-testid=rules-history]") == []


SENIOR_AS_2 = "Level 3 needs a role at least as senior as level 2 (head of service)"
DECIDING = "needs a role that takes escalation decisions: QMM officer, manager, head of service or director"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"suspension_letter_working_days": ""}, "suspension_letter_working_days",
         "Enter the suspension letter in working days"),
        ({"suspension_letter_working_days": "seven"}, "suspension_letter_working_days",
         "Suspension letter must be a whole number of working days, like 7"),
        ({"suspension_letter_working_days": "2.5"}, "suspension_letter_working_days",
         "Suspension letter must be a whole number of working days, like 7"),
        ({"suspension_letter_working_days": "0"}, "suspension_letter_working_days",
         "Suspension letter must be between 1 and 30 working days"),
        ({"suspension_letter_working_days": "31"}, "suspension_letter_working_days",
         "Suspension letter must be between 1 and 30 working days"),
        ({"suspension_review_weeks": "13"}, "suspension_review_weeks",
         "Suspension review must be between 1 and 12 weeks"),
        ({"suspension_review_weeks": "four"}, "suspension_review_weeks",
         "Suspension review must be a whole number of weeks, like 4"),
        ({"appeal_working_days": "0"}, "appeal_working_days", "Provider appeal must be between 1 and 30 working days"),
        ({"due_soon_days": "-1"}, "due_soon_days", "Due soon warning must be between 0 and 30 days"),
        ({"due_soon_days": "31"}, "due_soon_days", "Due soon warning must be between 0 and 30 days"),
        ({"authority_3": "manager"}, "authority_3", SENIOR_AS_2),
        ({"authority_1": "director"}, "authority_2", "Level 2 needs a role at least as senior as level 1 (director)"),
        ({"authority_4": "admin"}, "authority_4", f"Level 4 {DECIDING}"),
        ({"authority_0": "contract_manager"}, "authority_0", f"Level 0 {DECIDING}"),
        ({"authority_2": ""}, "authority_2", "Select who may decide at level 2"),
    ],
)  # fmt: skip
def test_bad_values_get_clear_messages_and_keep_the_input(client, login_as, app_ctx, changes, field, message):
    login_as(Role.ADMIN)
    response = client.post(URL, data=_submitted(client, **changes))
    assert response.status_code == 400
    soup = page(response)
    assert soup.title.string.startswith("Error: ")
    assert (message, f"#{field}") in error_summary(soup)
    assert field_error(soup, field) == message
    values = form_values(soup)
    for name, typed in changes.items():
        if soup.select_one(f"select#{name} option[value='{typed}']") or not name.startswith("authority"):
            assert values[name] == typed
    assert escalation_settings.rules_version(db.session) is None  # nothing saved


def test_every_problem_is_shown_at_once_and_nothing_is_saved(client, login_as, app_ctx):
    login_as(Role.ADMIN)
    data = _submitted(client, authority_3="manager", appeal_working_days="31", suspension_review_weeks="x")
    soup = page(client.post(URL, data=data))
    assert [href for _, href in error_summary(soup)] == [
        "#authority_3",
        "#suspension_review_weeks",
        "#appeal_working_days",
    ]
    values = form_values(soup)
    assert (values["authority_3"], values["appeal_working_days"], values["suspension_review_weeks"]) == (
        "manager",
        "31",
        "x",
    )
    assert load_authority(db.session)[3] == Role.HEAD_OF_SERVICE
    assert escalation_settings.rules_version(db.session) is None


def test_a_stale_version_is_refused_with_the_input_kept(client, login_as):
    login_as(Role.ADMIN)
    assert client.post(URL, data=_submitted(client, appeal_working_days=6)).status_code == 302
    mine = _submitted(client, suspension_letter_working_days=9, authority_4="head_of_service")
    # Someone else saves in between.
    escalation_settings.update_rules(db.session, {}, {"suspension_letter_working_days": 12}, expected_version=None)
    db.session.commit()
    response = client.post(URL, data=mine)
    assert response.status_code == 409
    soup = page(response)
    assert "Your changes have not been saved" in text(soup.select_one(".govuk-error-summary"))
    values = form_values(soup)
    assert values["suspension_letter_working_days"] == "9" and values["authority_4"] == "head_of_service"
    conflict = table_rows(soup, "[data-testid=conflict]")
    assert ["Suspension letter", "12 working days", "9 working days"] in conflict
    assert [rules.level_label(4), "Director", "Head of service"] in conflict
    assert load_timer_settings(db.session).suspension_letter_working_days == 12
    # Saving again from the conflict page is a knowing overwrite.
    assert client.post(URL, data=form_values(soup)).status_code == 302
    assert load_timer_settings(db.session).suspension_letter_working_days == 9
    assert load_authority(db.session)[4] == Role.HEAD_OF_SERVICE


def test_a_change_of_authority_alone_makes_other_editors_stale(client, login_as):
    _seed_as_migration_does()
    login_as(Role.ADMIN)
    mine = _submitted(client, due_soon_days=3)
    version = escalation_settings.rules_version(db.session)
    changed = escalation_settings.update_rules(
        db.session, {5: Role.HEAD_OF_SERVICE, 4: Role.HEAD_OF_SERVICE}, {}, expected_version=version
    )
    db.session.commit()
    assert changed == {
        "authority_4": (Role.DIRECTOR, Role.HEAD_OF_SERVICE),
        "authority_5": (Role.DIRECTOR, Role.HEAD_OF_SERVICE),
    }
    assert escalation_settings.rules_version(db.session) > version
    assert client.post(URL, data=mine).status_code == 409
    assert load_timer_settings(db.session).due_soon_days == 5


def test_a_first_save_clashes_with_another_first_save(client, login_as, app_ctx):
    login_as(Role.ADMIN)
    mine = _submitted(client, due_soon_days=9)
    escalation_settings.update_rules(db.session, {1: Role.HEAD_OF_SERVICE}, {}, expected_version=None)
    db.session.commit()
    assert client.post(URL, data=mine).status_code == 409
    assert load_timer_settings(db.session).due_soon_days == 5
