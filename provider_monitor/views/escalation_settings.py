"""Escalation rules for admins: who may decide at each level, and how long each timer runs."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from provider_monitor.access import admin_only
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.forms.escalation_settings import EscalationRulesForm
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services import escalation_settings
from provider_monitor.services.escalation_rules import TimerSettings
from provider_monitor.services.escalations import load_authority, load_timer_settings
from provider_monitor.views.helpers import save_or_report

bp = Blueprint("escalation_settings", __name__)


def _expected_version(form: EscalationRulesForm) -> int | None:
    raw = form.version_id.data or ""
    expected = int(raw) if raw.isascii() and raw.isdigit() else None
    # 0 stands for "never saved": only a clash if someone has saved the rules since.
    if expected == 0 and escalation_settings.rules_version(db.session) is None:
        return None
    return expected


def _conflict_rows(
    form: EscalationRulesForm, authority: dict[int, Role], timers: TimerSettings
) -> list[tuple[str, str, str]]:
    """(what, saved now, the admin's value) for each rule the two disagree on."""
    rows = [
        (rules.level_label(level), authority[level].label, field.data.label)
        for level, field in form.authority_fields()
        if field.data != authority[level]
    ]
    rows += [
        (field.label.text, f"{getattr(timers, field.name)} {field.unit}", f"{field.data} {field.unit}")
        for field in form.timer_fields()
        if getattr(timers, field.name) != field.data
    ]
    return rows


def _history() -> list[dict]:
    history = []
    for change in escalation_settings.changes(db.session):
        lines = escalation_settings.describe(change)
        if lines:
            history.append({"at": change.at, "who": change.who, "changes": lines})
    return history


@bp.route("/admin/escalation-rules", methods=["GET", "POST"])
@admin_only
def edit():
    form = EscalationRulesForm()
    authority, timers = load_authority(db.session), load_timer_settings(db.session)
    if request.method == "GET":
        form.fill(authority, timers, escalation_settings.rules_version(db.session))
    status, conflict, conflict_rows = 200, None, []
    if form.validate_on_submit():
        changed, conflict = save_or_report(
            form,
            lambda: escalation_settings.update_rules(
                db.session, form.authority(), form.timers(), expected_version=_expected_version(form)
            ),
        )
        if conflict:
            authority, timers = load_authority(db.session), load_timer_settings(db.session)
            conflict_rows = _conflict_rows(form, authority, timers)
            # The next save is made knowingly over the rules now saved.
            form.version_id.data = str(escalation_settings.rules_version(db.session) or 0)
            status = 409
        elif form.errors:
            status = 400
        else:
            if changed:
                flash("Escalation rules saved", "success")
            else:
                flash("Nothing was changed: the escalation rules already had these values.", "info")
            return redirect(url_for("escalation_settings.edit"))
    elif form.errors:
        status = 400
    return render_template(
        "escalation_settings/edit.html",
        form=form,
        defaults={"authority": rules.DEFAULT_AUTHORITY},
        level_label=rules.level_label,
        conflict=conflict,
        conflict_rows=conflict_rows,
        history=_history(),
    ), status
