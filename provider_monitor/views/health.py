"""The health check for load balancers and monitoring."""

import sqlalchemy as sa
from flask import Blueprint, jsonify

from provider_monitor.access import public
from provider_monitor.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="not answering"), 503
    return jsonify(status="ok", database="ok")
