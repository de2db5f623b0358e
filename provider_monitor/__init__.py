"""Provider Monitor: quality monitoring of the adult social care market."""

from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

ROOT = Path(__file__).resolve().parent.parent


class DatabaseId(IntegerConverter):
    """An <int:…> URL part that fits an INTEGER key: anything else is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config_class=None) -> Flask:
    """Create and configure the app."""
    from config import get_config
    from provider_monitor import cli, errors, jinja, logs, security, views
    from provider_monitor.extensions import csrf, db, login_manager, migrate

    config_class = config_class or get_config()
    config_class.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    app.url_map.converters["int"] = DatabaseId

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)

    logs.init_app(app)
    security.init_app(app)
    jinja.init_app(app)
    views.register_blueprints(app)
    errors.init_app(app)
    cli.register(app)
    return app
