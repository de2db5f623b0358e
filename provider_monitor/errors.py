"""Error pages: GOV.UK style, with a reference and never a stack trace."""

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from provider_monitor.extensions import db

TEMPLATES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html", 413: "errors/413.html"}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, description: str | None = None):
    if _wants_json():
        return jsonify(errors=[{"message": description or "Something went wrong"}]), status
    template = TEMPLATES.get(status, "errors/500.html")
    return render_template(template, status=status, description=description, request_id=g.get("request_id")), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "The form had expired or was sent from another page. Try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in (301, 302, 303, 307, 308) or error.code is None:
            return error
        return _render(error.code, error.description)

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        db.session.rollback()
        app.logger.exception("database error (request %s)", g.get("request_id"))
        return _render(503, "The database is not answering. Try again in a few minutes.")

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        app.logger.exception("unhandled error (request %s)", g.get("request_id"))
        return _render(500)
