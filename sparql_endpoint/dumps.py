"""Placeholder: filled in by the dumps work."""

from flask import Blueprint

bp = Blueprint("dumps", __name__)
