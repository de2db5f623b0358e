"""The landing page: staff go to the register, provider users to their own services (the portal)."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from provider_monitor.access import signed_in

bp = Blueprint("home", __name__)


@bp.get("/")
@signed_in
def index():
    if current_user.is_provider_user:
        return redirect(url_for("portal.index"))
    return redirect(url_for("services.register"))
