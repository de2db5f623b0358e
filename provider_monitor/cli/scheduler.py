"""`flask --app wsgi scheduler run|status`: the one scheduler process, and what it has done."""

from flask.cli import AppGroup

scheduler_cli = AppGroup("scheduler", help="The scheduler: run it (blocking), or see its jobs.")
