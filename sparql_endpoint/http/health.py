"""Operations: ``/health`` for monitors and load balancers.

``/health`` answers within about ``PROBE_SECONDS`` whatever the store does: ``ok``
(200) when it answered, ``degraded`` (503) when it could not tell in time (a frozen
engine, every query process busy), ``unavailable`` (503) when the store failed.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from sparql_endpoint.backends.engine_semantics import refusal_counts

bp = Blueprint("health", __name__)
#: How long /health waits for the store, seconds.
PROBE_SECONDS = 1.5


@bp.route("/health")
def health():
    """Report whether the store answers, its triple count, build id and query isolation."""
    build = current_app.extensions.get("build", {})
    backend = current_app.extensions.get("backend")
    status, code = "ok", 200
    try:
        if not backend.probe(PROBE_SECONDS):
            status, code = "degraded", 503
    except Exception:  # any store failure means "unhealthy", never a crash
        status, code = "unavailable", 503
    report = {
        "status": status,
        "triples": build.get("loaded_triples"),
        "build_id": build.get("build_id"),
        "created": build.get("created"),
        "isolation": getattr(backend, "isolation", None),
    }
    if getattr(backend, "remote", None) is not None:
        # Queries refused because the engine would answer them otherwise, by construct.
        report["engine_refusals"] = refusal_counts()
    response = jsonify(report)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    if code == 503:
        response.headers["Retry-After"] = "5"
    return response
