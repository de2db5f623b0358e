"""Every group of radios or checkboxes on the visit and action forms is named by a legend (WCAG 1.3.1)."""

import pytest

from provider_monitor.enums import Role
from tests import factories
from tests.helpers import page, text

VISIT_STEPS = ("details", "people", "findings", "compliance", "outcome")


def _unnamed_fieldsets(soup) -> list[str]:
    return [
        str(fieldset)[:120] for fieldset in soup.select("main fieldset")
        if not (fieldset.select_one("legend") and text(fieldset.select_one("legend")))
    ]  # fmt: skip


@pytest.mark.parametrize("step", VISIT_STEPS)
def test_every_visit_step_names_its_groups(client, login_as, step):
    login_as(Role.OFFICER)
    visit = factories.VisitFactory()
    soup = page(client.get(f"/visits/{visit.id}/steps/{step}"))
    assert soup.select("main form")
    assert _unnamed_fieldsets(soup) == []


def test_the_action_form_and_page_name_their_groups(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    action = factories.ActionFactory(status="evidence_submitted")
    for path in (f"/services/{action.service_id}/actions/new", f"/actions/{action.id}", f"/actions/{action.id}/edit"):
        soup = page(client.get(path))
        assert soup.select("main fieldset"), path
        assert _unnamed_fieldsets(soup) == [], path
