"""Alembic environment: models' metadata from the app, readable sequential revision ids."""

import logging
import re
from logging.config import fileConfig

from alembic import context
from flask import current_app

from provider_monitor.models.base import UTCDateTime

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def render_item(type_, obj, autogen_context):
    """Write our UTC type as a plain DateTime, so migrations don't import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def process_revision_directives(context_, revision, directives):
    """Skip empty autogenerates; number revisions 001, 002… so their order reads at a glance."""
    script = directives[0]
    if getattr(config.cmd_opts, "autogenerate", False) and script.upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")
        return
    heads = context_.script.get_heads() if hasattr(context_, "script") else []
    numbers = [int(m.group(1)) for h in heads if (m := re.match(r"^(\d+)", h or ""))]
    script.rev_id = f"{(max(numbers) if numbers else 0) + 1:03d}"


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_item=render_item,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
