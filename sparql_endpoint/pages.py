"""Placeholder: filled in by the pages work."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
