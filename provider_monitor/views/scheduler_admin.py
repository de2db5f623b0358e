"""The scheduler's state for admins: each job, its next and last runs, and a warning when sweeps stop."""

from flask import Blueprint

bp = Blueprint("scheduler_admin", __name__)
