"""The site's icon at the address browsers ask for without being told: ``/favicon.ico``.

Pages name the SVG icon in their head (``base.html``); the ICO serves the rest, from the
same static folder, cached for a week since it changes with a release at most.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory

bp = Blueprint("icons", __name__)

STATIC = Path(__file__).resolve().parents[1] / "static"
#: A week: an icon changes with a release, if ever.
MAX_AGE = 7 * 24 * 3600


@bp.get("/favicon.ico")
def favicon():
    """Serve the site's icon as an ICO (one 32 px PNG inside)."""
    response = send_from_directory(STATIC, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=MAX_AGE)
    response.cache_control.public = True
    return response
