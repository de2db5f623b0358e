"""The visit-frequency policy: the admin edits the table and sees its effect on due dates at once."""

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for

from provider_monitor.access import admin_only
from provider_monitor.enums import DueState, PolicyBand
from provider_monitor.extensions import db
from provider_monitor.forms.visit_policy import SETTING_LABELS, SETTINGS, VisitPolicyForm, band_field_name
from provider_monitor.services import visit_policy
from provider_monitor.services.caseload import due_state_counts
from provider_monitor.services.visit_rules import Policy
from provider_monitor.views.helpers import save_or_report

bp = Blueprint("visit_policy", __name__)


def _effect_text(before: dict[DueState, int], after: dict[DueState, int]) -> str:
    """'5 overdue (was 3), 1 never visited, 2 due soon (was 4), 10 on track'."""
    parts = []
    for state in DueState:
        was = f" (was {before[state]})" if before[state] != after[state] else ""
        parts.append(f"{after[state]} {state.label.lower()}{was}")
    return ", ".join(parts)


def _expected_version(form: VisitPolicyForm) -> int | None:
    raw = form.version_id.data or ""
    expected = int(raw) if raw.isascii() and raw.isdigit() else None
    # 0 stands for "never saved": only a clash if someone has saved it since.
    if expected == 0 and visit_policy.policy_version(db.session) is None:
        return None
    return expected


def _conflict_rows(form: VisitPolicyForm, saved: Policy) -> list[tuple[str, str, str]]:
    rows = [
        (band.label, str(saved.intervals[band]), str(form[band_field_name(band)].data))
        for band in PolicyBand
        if saved.intervals[band] != form[band_field_name(band)].data
    ]
    rows += [
        (SETTING_LABELS[name], str(getattr(saved, name)), str(form[name].data))
        for name in SETTINGS
        if getattr(saved, name) != form[name].data
    ]
    return rows


def _history() -> list[dict]:
    """The policy's changes in words: 'Good: 12 → 6 months'."""
    history = []
    for change in visit_policy.policy_changes(db.session):
        if change.part is not None:
            old, new = change.changes.get("interval_months", (None, None))
            lines = [f"{change.part.label}: {old} → {new} months"]
        else:
            lines = [
                f"{SETTING_LABELS[name]}: {old} → {new} {SETTINGS[name][3]}"
                for name, (old, new) in sorted(change.changes.items())
                if name in SETTINGS
            ]
        if lines:
            history.append({"at": change.at, "who": change.who, "changes": lines})
    return history


@bp.route("/admin/visit-policy", methods=["GET", "POST"])
@admin_only
def edit():
    today = date.today()
    form = VisitPolicyForm()
    in_force = visit_policy.load_policy(db.session)
    if request.method == "GET":
        form.fill(in_force, visit_policy.policy_version(db.session))
    status, preview, conflict, conflict_rows = 200, None, None, []
    if form.validate_on_submit():
        if form.preview.data:
            preview = due_state_counts(db.session, today, policy=form.policy())
        else:
            before = due_state_counts(db.session, today, policy=in_force)
            changed, conflict = save_or_report(
                form,
                lambda: visit_policy.update_policy(
                    db.session, form.intervals(), form.settings(), expected_version=_expected_version(form)
                ),
            )
            if not conflict:
                if changed:
                    after = due_state_counts(db.session, today)
                    flash(
                        f"The visit policy has been saved. Next visits now: {_effect_text(before, after)}.", "success"
                    )
                else:
                    flash("Nothing was changed: the policy already had these values.", "info")
                return redirect(url_for("visit_policy.edit"))
            in_force = visit_policy.load_policy(db.session)
            conflict_rows = _conflict_rows(form, in_force)
            # The next save is made knowingly over the version now saved.
            form.version_id.data = str(visit_policy.policy_version(db.session) or 0)
            status = 409
    elif form.errors:
        status = 400
    return render_template(
        "visit_policy/edit.html",
        form=form,
        policy=in_force,
        counts=due_state_counts(db.session, today, policy=in_force),
        preview=preview,
        conflict=conflict,
        conflict_rows=conflict_rows,
        history=_history(),
    ), status
