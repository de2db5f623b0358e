"""Entry point for gunicorn and `flask --app wsgi`."""

from provider_monitor import create_app

app = create_app()
