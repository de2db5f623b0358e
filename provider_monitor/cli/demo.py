"""`flask --app wsgi demo seed`: a believable Nottinghamshire market for trying the app."""

from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data (never run this against a real deployment).")
