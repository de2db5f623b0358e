"""`flask --app wsgi flags sweep`: one sweep now, printing what it raised and resolved."""

from flask.cli import AppGroup

flags_cli = AppGroup("flags", help="Flags: sweep now.")
