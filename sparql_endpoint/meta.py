"""Placeholder: filled in by the meta work."""

from flask import Blueprint

bp = Blueprint("meta", __name__)
