"""Placeholder: filled in by the sparql work."""

from flask import Blueprint

bp = Blueprint("sparql", __name__)
