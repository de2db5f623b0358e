"""(being built)"""

from flask import Blueprint

from provider_monitor.access import staff_only

bp = Blueprint("caseload", __name__)


@bp.get("/caseload")
@staff_only
def index():
    return "Caseload"
