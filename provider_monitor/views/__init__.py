"""Blueprints, one per area; views parse input, call a service, commit once, respond."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from provider_monitor.views import (
        actions,
        admin_users,
        api,
        auth,
        caseload,
        concerns,
        county_map,
        cqc_admin,
        dashboards,
        escalation_settings,
        escalations,
        flags,
        health,
        home,
        portal,
        providers,
        ratings,
        scheduler_admin,
        services,
        visit_policy,
        visits,
    )

    for module in (
        auth, home, health, services, providers, ratings, caseload, visits, actions, concerns, escalations, flags,
        visit_policy, admin_users, cqc_admin, escalation_settings, scheduler_admin, portal, api,
        dashboards, county_map,
    ):  # fmt: skip
        app.register_blueprint(module.bp)
