"""(being built)"""

from flask import Blueprint

from provider_monitor.access import staff_only

bp = Blueprint("actions", __name__)


@bp.get("/action-plans")
@staff_only
def plans():
    return "Action plans"
