"""(being built)"""

from flask import Blueprint

from provider_monitor.access import admin_only

bp = Blueprint("visit_policy", __name__)


@bp.get("/admin/visit-policy")
@admin_only
def edit():
    return "Visit policy"
