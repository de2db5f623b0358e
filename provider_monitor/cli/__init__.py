"""Command-line interface: `flask --app wsgi users|demo|geo …`."""

from flask import Flask


def register(app: Flask) -> None:
    from provider_monitor.cli.cqc import cqc_cli
    from provider_monitor.cli.demo import demo_cli
    from provider_monitor.cli.flags import flags_cli
    from provider_monitor.cli.geo import geo_cli
    from provider_monitor.cli.scheduler import scheduler_cli
    from provider_monitor.cli.users import users_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(cqc_cli)
    app.cli.add_command(flags_cli)
    app.cli.add_command(geo_cli)
    app.cli.add_command(scheduler_cli)
