"""Operations: ``/health`` for monitors and load balancers."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("ops", __name__)


@bp.route("/health")
def health():
    """Report whether the store answers, its triple count, build id and query isolation."""
    build = current_app.extensions.get("build", {})
    backend = current_app.extensions.get("backend")
    status, code = "ok", 200
    try:
        backend.ask("ASK {}")
    except Exception:  # any store failure means "unhealthy", never a crash
        status, code = "unavailable", 503
    response = jsonify({
        "status": status,
        "triples": build.get("loaded_triples"),
        "build_id": build.get("build_id"),
        "created": build.get("created"),
        "isolation": getattr(backend, "isolation", None),
    })
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response
