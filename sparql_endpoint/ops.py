"""Placeholder: filled in by the ops work."""

from flask import Blueprint

bp = Blueprint("ops", __name__)
