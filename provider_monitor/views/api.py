"""The read-only JSON API for BI tools: /api/v1/…, scoped like the pages."""

from datetime import date

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user

from provider_monitor.access import public, signed_in, staff_only
from provider_monitor.api import records, records_casework
from provider_monitor.api.flags_api import flag_json, parse_flag_query
from provider_monitor.api.query import (
    ApiInputError,
    parse_action_query,
    parse_change_query,
    parse_provider_query,
    parse_service_query,
    parse_visit_query,
)
from provider_monitor.api.query_casework import parse_concern_query, parse_escalation_query
from provider_monitor.api.schema import openapi_document
from provider_monitor.api.serialise import action_json, provider_json, rating_change_json, service_json, visit_json
from provider_monitor.api.serialise_casework import concern_json, escalation_json
from provider_monitor.extensions import csrf, db
from provider_monitor.services import (
    care_services,
    concerns,
    escalation_records,
    escalations,
    flag_queries,
    providers,
    rating_changes,
    ratings,
    register,
)
from provider_monitor.services.exceptions import FieldError
from provider_monitor.views.helpers import or_404

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only GETs; a bearer token is not a cookie a third-party page can ride on


@bp.errorhandler(ApiInputError)
def bad_input(error: ApiInputError):
    return jsonify(errors=error.errors), 400


def _paged(items, page, endpoint: str):
    args = {k: v for k, v in request.args.items() if k != "page"}
    links = {"self": url_for(endpoint, page=page.page, **args)}
    if page.page < page.pages:
        links["next"] = url_for(endpoint, page=page.page + 1, **args)
    if page.page > 1:
        links["prev"] = url_for(endpoint, page=page.page - 1, **args)
    return jsonify(
        data=items,
        meta={"total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages},
        links=links,
    )


@bp.get("/services")
@signed_in
def list_services():
    filters = parse_service_query(request.args, max_per_page=_max_per_page())
    page = register.search(db.session, current_user, filters)
    ids = [s.id for s in page.items]
    current = ratings.current_snapshots(db.session, ids)
    levels = register.escalations_in_force(db.session, ids)
    items = [service_json(s, current.get(s.id), levels.get(s.id)) for s in page.items]
    return _paged(items, page, "api.list_services")


@bp.get("/services/<int:service_id>")
@signed_in
def get_service(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    current = ratings.current_snapshots(db.session, [service.id]).get(service.id)
    escalation = register.escalations_in_force(db.session, [service.id]).get(service.id)
    return jsonify(data=service_json(service, current, escalation))


@bp.get("/rating-changes")
@signed_in
def list_rating_changes():
    filters = parse_change_query(request.args, max_per_page=_max_per_page())
    page = rating_changes.search(db.session, current_user, filters)
    return _paged([rating_change_json(c) for c in page.items], page, "api.list_rating_changes")


@bp.get("/providers")
@signed_in
def list_providers():
    text, page_number, per_page = parse_provider_query(request.args, max_per_page=_max_per_page())
    page = providers.search_providers(db.session, current_user, text=text, page=page_number, per_page=per_page)
    return _paged([provider_json(p, n) for p, n in page.items], page, "api.list_providers")


@bp.get("/providers/<int:provider_id>")
@signed_in
def get_provider(provider_id: int):
    provider = or_404(providers.get_provider, db.session, current_user, provider_id)
    services = providers.services_of(db.session, current_user, provider)
    return jsonify(data=provider_json(provider, len(services)))


@bp.get("/visits")
@signed_in
def list_visits():
    filters = parse_visit_query(request.args, max_per_page=_max_per_page())
    page = records.search_visits(db.session, current_user, filters)
    return _paged([visit_json(v) for v in page.items], page, "api.list_visits")


@bp.get("/visits/<int:visit_id>")
@signed_in
def get_visit(visit_id: int):
    visit = or_404(records.get_visit, db.session, current_user, visit_id)
    return jsonify(data=visit_json(visit))


@bp.get("/actions")
@signed_in
def list_actions():
    filters = parse_action_query(request.args, max_per_page=_max_per_page())
    today = date.today()
    page = records.search_actions(db.session, current_user, filters, today)
    return _paged([action_json(a, today) for a in page.items], page, "api.list_actions")


@bp.get("/actions/<int:action_id>")
@signed_in
def get_action(action_id: int):
    action = or_404(records.get_action, db.session, current_user, action_id)
    return jsonify(data=action_json(action, date.today()))


@bp.get("/escalations")
@signed_in
def list_escalations():
    filters = parse_escalation_query(request.args, max_per_page=_max_per_page())
    page = records_casework.search_escalations(db.session, current_user, filters)
    settings, today = escalations.load_timer_settings(db.session), date.today()
    items = [
        escalation_json(escalation_records.record_for(current_user, e, today, settings), e.service) for e in page.items
    ]
    return _paged(items, page, "api.list_escalations")


@bp.get("/escalations/<int:escalation_id>")
@signed_in
def get_escalation(escalation_id: int):
    escalation = or_404(escalation_records.get_escalation, db.session, current_user, escalation_id)
    settings = escalations.load_timer_settings(db.session)
    record = escalation_records.record_for(current_user, escalation, date.today(), settings)
    return jsonify(data=escalation_json(record, escalation.service))


@bp.get("/concerns")
@staff_only
def list_concerns():
    filters = parse_concern_query(request.args, max_per_page=_max_per_page())
    try:
        page = concerns.search(db.session, current_user, filters, date.today())
    except FieldError as error:
        raise ApiInputError([{"parameter": error.field, "message": str(error)}]) from None
    visits = records_casework.linked_visit_ids(db.session, [c.id for c in page.items])
    items = [concern_json(concerns.redacted_for(current_user, c), c, visits[c.id]) for c in page.items]
    return _paged(items, page, "api.list_concerns")


@bp.get("/concerns/<int:concern_id>")
@staff_only
def get_concern(concern_id: int):
    concern = or_404(concerns.get_concern, db.session, current_user, concern_id)
    visits = records_casework.linked_visit_ids(db.session, [concern.id])
    return jsonify(data=concern_json(concerns.redacted_for(current_user, concern), concern, visits[concern.id]))


@bp.get("/flags")
@staff_only
def list_flags():
    filters = parse_flag_query(request.args, max_per_page=_max_per_page())
    page = flag_queries.search(db.session, current_user, filters)
    return _paged([flag_json(f) for f in page.items], page, "api.list_flags")


@bp.get("/flags/<int:flag_id>")
@staff_only
def get_flag(flag_id: int):
    flag = or_404(flag_queries.get_flag, db.session, current_user, flag_id)
    return jsonify(data=flag_json(flag))


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


def _max_per_page() -> int:
    from flask import current_app

    return current_app.config["API_MAX_PAGE_SIZE"]


@bp.route("/<path:anything>")
@public
def not_found(anything: str):
    abort(404, description="No such API endpoint; see /api/v1/openapi.json")
