"""Provider organisations: list, page, add and edit."""

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from provider_monitor.access import roles, signed_in, staff_only
from provider_monitor.enums import REGISTER_EDITORS
from provider_monitor.extensions import db
from provider_monitor.forms.providers import ProviderForm
from provider_monitor.jinja import label
from provider_monitor.services import concerns, escalation_records, escalation_rules, escalations, providers
from provider_monitor.services.audit import history_for
from provider_monitor.services.concern_rules import CONCERN_LOGGERS
from provider_monitor.views.helpers import or_404, page_number, save_or_report, send_download, submit_edit

bp = Blueprint("providers", __name__)


EXPORT_HEADER = ["Provider", "CQC provider ID", "Sector", "Services", "Provider id"]


def _search_text() -> str | None:
    return (request.args.get("q") or "").strip()[:100] or None


@bp.get("/providers")
@staff_only
def index():
    text = _search_text()
    results = providers.search_providers(db.session, current_user, text=text, page=page_number())
    return render_template("providers/index.html", page=results, q=text or "")


@bp.get("/providers.<any(csv, xlsx):fmt>")
@staff_only
def export(fmt: str) -> Response:
    """Every provider the search finds (not just one page), as CSV or XLSX: one header and one row source for both."""
    found = providers.export_providers(db.session, current_user, text=_search_text())
    rows = (
        [provider.name, provider.cqc_provider_id or "", label(provider.sector), count, provider.id]
        for provider, count in found
    )
    return send_download(fmt, "providers", EXPORT_HEADER, rows)


@bp.get("/providers/<int:provider_id>")
@signed_in
def view(provider_id: int):
    provider = or_404(providers.get_provider, db.session, current_user, provider_id)
    services = providers.services_of(db.session, current_user, provider)
    history = history_for(db.session, "provider", provider.id) if current_user.is_staff else []
    # Concerns are internal: staff only, never for the provider's own users.
    open_concerns = None
    if current_user.is_staff:
        filters = concerns.ConcernFilters(status="open", provider_id=provider.id, per_page=10)
        open_concerns = concerns.search(db.session, current_user, filters, date.today())
    settings = escalations.load_timer_settings(db.session)
    context = {"provider": provider, "services": services, "history": history, "open_concerns": open_concerns,
               "can_log_concern": current_user.role in CONCERN_LOGGERS,
               "escalations": escalation_records.open_escalations_of_provider(
                   db.session, current_user, provider.id, date.today(), settings),
               "can_decide": current_user.role in escalation_rules.SENIORITY}  # fmt: skip
    return render_template("providers/view.html", **context)


@bp.route("/providers/new", methods=["GET", "POST"])
@roles(*REGISTER_EDITORS)
def create():
    form = ProviderForm()
    if form.validate_on_submit():
        provider, _ = save_or_report(form, lambda: providers.create_provider(db.session, form.provider_data()))
        if provider is not None:
            flash(f"{provider.name} has been added", "success")
            return redirect(url_for("providers.view", provider_id=provider.id))
    return render_template("providers/form.html", form=form, provider=None, conflict=None), 400 if form.errors else 200


@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@roles(*REGISTER_EDITORS)
def edit(provider_id: int):
    provider = or_404(providers.get_provider, db.session, current_user, provider_id)
    form = ProviderForm(obj=provider)
    if request.method == "GET":
        form.version_id.data = provider.version_id
    edit = submit_edit(
        form,
        provider,
        update=lambda record, data, expected: providers.update_provider(
            db.session, record, data, expected_version=expected
        ),
        data=form.provider_data,
        reload=lambda: or_404(providers.get_provider, db.session, current_user, provider_id),
    )
    if edit.saved:
        flash("The provider has been updated", "success")
        return redirect(url_for("providers.view", provider_id=provider_id))
    context = {"form": form, "provider": edit.record, "conflict": edit.conflict, "conflict_rows": edit.conflict_rows}
    return render_template("providers/form.html", **context), 400 if form.errors and not edit.conflict else edit.status
