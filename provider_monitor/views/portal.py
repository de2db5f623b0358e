"""The provider portal's landing page: a provider user's services and what is waiting for them."""

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from provider_monitor.access import roles
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.services import portal as portal_service
from provider_monitor.views.helpers import or_404

bp = Blueprint("portal", __name__)


@bp.get("/your-services")
@roles(Role.PROVIDER)
def index():
    today = date.today()
    portal = or_404(portal_service.portal, db.session, current_user, today)
    return render_template("portal/index.html", portal=portal, today=today)
