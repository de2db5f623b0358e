"""Flags: the Flags page, one flag with its notes, acknowledging and assigning."""

from flask import Blueprint

bp = Blueprint("flags", __name__)
