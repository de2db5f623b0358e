"""The landing page: staff see their flags and where to go next; provider users go to their own services."""

from datetime import date

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from provider_monitor.access import signed_in
from provider_monitor.extensions import db
from provider_monitor.services import flag_queries

bp = Blueprint("home", __name__)


@bp.get("/")
@signed_in
def index():
    if current_user.is_provider_user:
        return redirect(url_for("portal.index"))
    whose, counts, newest = flag_queries.newest_for_home(db.session, current_user)
    return render_template(
        "home/index.html", whose=whose, counts=counts, newest=newest, total=sum(counts.values()), today=date.today(),
        age=flag_queries.age_text, handling=flag_queries.handling_text, mine=whose == flag_queries.MINE,
    )  # fmt: skip
