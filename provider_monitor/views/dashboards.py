"""Dashboards: the market (managers and above) and an officer's caseload, each table exported as CSV or XLSX."""

from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from provider_monitor.access import roles, staff_only
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models.user import User
from provider_monitor.services import care_services
from provider_monitor.services.dashboard_caseload import caseload_dashboard
from provider_monitor.services.dashboard_market import market as market_dashboard
from provider_monitor.services.dashboards import Quarter, find_table
from provider_monitor.services.exceptions import NotFound
from provider_monitor.views.helpers import send_download

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")

MARKET_ROLES = (Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR, Role.ADMIN)
# Officers and contract managers see only their own caseload; everyone else may look at anyone's.
OWN_CASELOAD_ONLY = frozenset({Role.OFFICER, Role.CONTRACT_MANAGER})
OFFICER_ROLES = (Role.OFFICER, Role.CONTRACT_MANAGER, Role.MANAGER)


def _today() -> date:
    return date.today()


def _export(tables, name_prefix: str, fmt: str) -> Response:
    """One dashboard table (?table=), named after it, as CSV or XLSX, through the same download as every list."""
    try:
        table = find_table(tables, request.args.get("table"))
    except NotFound:
        abort(404)
    return send_download(fmt, f"{name_prefix}-{table.name}", table.header, table.rows)


@bp.get("/market")
@roles(*MARKET_ROLES)
def market():
    result = market_dashboard(db.session, _today())
    return render_template("dashboards/market.html", market=result)


@bp.get("/market.<any(csv, xlsx):fmt>")
@roles(*MARKET_ROLES)
def market_export(fmt: str):
    return _export(market_dashboard(db.session, _today()).tables, "market", fmt)


def _quarter(today: date) -> tuple[Quarter | None, str | None]:
    raw = request.args.get("quarter")
    if not raw:
        return Quarter.of(today), None
    try:
        quarter = Quarter.parse(raw)
    except ValueError as error:
        return None, str(error)
    if quarter > Quarter.of(today):
        return None, f"The quarter must be {Quarter.of(today)} or earlier"
    return quarter, None


@bp.get("/market/report")
@roles(*MARKET_ROLES)
def market_report():
    today = _today()
    quarter, error = _quarter(today)
    if error:
        summary = {"titleText": "There is a problem", "errorList": [{"text": error, "href": "#quarter"}]}
        return render_template("dashboards/report.html", market=None, error=error, summary=summary), 400
    return render_template("dashboards/report.html", market=market_dashboard(db.session, today, quarter), error=None)


def _officer() -> User:
    """The signed-in officer, or the one a manager picked with ?officer_id=."""
    raw = request.args.get("officer_id")
    if current_user.role in OWN_CASELOAD_ONLY or not raw:
        return current_user
    if not (raw.isascii() and raw.isdigit()):
        abort(404)
    officer = db.session.get(User, int(raw))
    if officer is None or not officer.is_staff:
        abort(404)
    return officer


@bp.get("/caseload")
@staff_only
def caseload():
    officer = _officer()
    result = caseload_dashboard(db.session, officer, _today())
    may_pick = current_user.role not in OWN_CASELOAD_ONLY
    choices = care_services.staff_choices(db.session, *OFFICER_ROLES, with_role=True) if may_pick else []
    return render_template("dashboards/caseload.html", dashboard=result, choices=choices, may_pick=may_pick)


@bp.get("/caseload.<any(csv, xlsx):fmt>")
@staff_only
def caseload_export(fmt: str):
    return _export(caseload_dashboard(db.session, _officer(), _today()).tables, "caseload", fmt)
