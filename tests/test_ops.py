"""Operations: /health."""


def test_health_reports_store_and_build(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "triples": 10, "build_id": "test-build",
                                   "created": "2026-01-01",
                                   "isolation": "network namespace"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_when_the_store_fails(app):
    class Broken:
        def probe(self, timeout):
            raise OSError("disk gone")

    app.extensions["backend"] = Broken()
    response = app.test_client().get("/health")
    assert response.status_code == 503 and response.get_json()["status"] == "unavailable"
