"""Blueprints, one per area; views parse input, call a service, commit once, respond."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from provider_monitor.views import admin_users, api, auth, cqc_admin, health, home, providers, ratings, services

    for module in (auth, home, health, services, providers, ratings, admin_users, cqc_admin, api):
        app.register_blueprint(module.bp)
