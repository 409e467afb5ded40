"""Loading a published dist/: clear errors for every way it can be wrong."""

import hashlib
import json

import pytest

from sparql_endpoint import create_app
from sparql_endpoint.backends.dist import DistError, open_backend, read_build
from sparql_endpoint.backends.store import OxigraphBackend


def _edit_build(dist, **changes):
    path = dist / "build.json"
    build = json.loads(path.read_text())
    build.update(changes)
    path.write_text(json.dumps(build))


def test_a_good_dist_is_loaded_and_recorded(dist):
    app = create_app({"DIST": dist})
    assert app.extensions["build"]["build_id"] == "test-build"
    assert app.extensions["build"]["dist"] == dist
    assert app.extensions["backend"].triple_count() == 10


def test_missing_folder_names_it(tmp_path):
    with pytest.raises(DistError, match="no such folder; build the graph first"):
        read_build(tmp_path / "nowhere")


def test_missing_build_json(tmp_path):
    with pytest.raises(DistError, match="build.json: missing"):
        read_build(tmp_path)


def test_invalid_json_names_the_file(dist):
    (dist / "build.json").write_text("{not json")
    with pytest.raises(DistError, match=r"build\.json: not valid JSON"):
        read_build(dist)


@pytest.mark.parametrize(("changes", "message"), [
    ({"triples": "ten"}, "field 'triples' should be int"),
    ({"load": ["../etc/passwd"]}, "field 'load' should list file names"),
    ({"load": ["graph.ttl"]}, "names 'graph.ttl', but .* is missing"),
    ({"load": []}, "'load' is empty"),
])
def test_bad_fields_are_named(dist, changes, message):
    _edit_build(dist, **changes)
    with pytest.raises(DistError, match=message):
        read_build(dist)


def test_missing_field_is_named(dist):
    build = json.loads((dist / "build.json").read_text())
    del build["build_id"]
    (dist / "build.json").write_text(json.dumps(build))
    with pytest.raises(DistError, match="field 'build_id' is missing"):
        create_app({"DIST": dist})


def test_triple_count_mismatch_is_a_startup_error(dist):
    _edit_build(dist, triples=11)
    with pytest.raises(DistError, match="says 11 triples, but the store holds 10"):
        create_app({"DIST": dist})


def test_corrupt_dump_is_a_startup_error(dist):
    (dist / "graph.nt.gz").write_bytes(b"not gzip")
    with pytest.raises(DistError, match="cannot be loaded"):
        create_app({"DIST": dist})


def test_on_disk_store_is_opened_read_only(dist, tmp_path):
    import pyoxigraph as ox

    folder = tmp_path / "store"
    writer = ox.Store(str(folder))
    memory = OxigraphBackend.in_memory([dist / "graph.nt.gz"])
    writer.extend(memory.store)
    writer.flush()
    del writer
    read_only = OxigraphBackend.read_only(folder)
    with pytest.raises(RuntimeError, match="read-write"):
        read_only.store.add(next(iter(memory.store)))
    del read_only
    # Served, it is opened only inside the query processes of the pool.
    pooled = open_backend(dist, read_build(dist), folder)
    assert pooled.triple_count() == 10
    pooled.stop()
    app = create_app({"DIST": dist, "STORE": str(folder)})
    response = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p 'UGAP'@fr }"})
    assert response.get_json(force=True)["boolean"] is True


def test_missing_store_folder(dist, tmp_path):
    with pytest.raises(DistError, match="no such store folder"):
        open_backend(dist, read_build(dist), tmp_path / "absent")


@pytest.mark.slow
def test_a_rebuild_does_not_mix_builds_in_a_running_app(tmp_path):
    from achat_core.resources import DATA_DIR
    from graph_builder.pipeline.build import build_and_release
    from graph_builder.pipeline.options import BuildOptions

    out = tmp_path / "dist"
    first_base, second_base = "https://example.org/first/", "https://example.org/second/"
    build_and_release(BuildOptions(data_dir=DATA_DIR, out_dir=out, base=first_base, quiet=True))
    app = create_app({"DIST": out})
    client = app.test_client()
    with client.get("/dumps/graph.ttl") as before:
        assert before.status_code == 200
        before_body, before_etag = before.data, before.headers["ETag"]
    first_folder = out.resolve()
    assert app.extensions["build"]["dist"] == first_folder

    build_and_release(BuildOptions(data_dir=DATA_DIR, out_dir=out, base=second_base, quiet=True))
    assert out.resolve() != first_folder  # the symlink now points at the new build

    with client.get("/dumps/graph.ttl") as after:
        assert after.status_code == 200
        assert after.data == before_body and after.headers["ETag"] == before_etag
    expected = json.loads((first_folder / "build.json").read_text())["files"]["graph.ttl"]
    assert before_etag.strip('"') == expected["sha256"]
    assert hashlib.sha256(before_body).hexdigest() == expected["sha256"]
    catalog = client.get("/catalog.ttl").get_data(as_text=True)
    assert first_base in catalog and second_base not in catalog
    ask = client.get("/sparql", query_string={
        "query": f"ASK {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{first_base}')) }}"})
    assert ask.get_json()["boolean"] is True
    fresh = create_app({"DIST": out}).test_client().get("/catalog.ttl").get_data(as_text=True)
    assert second_base in fresh  # a restarted server serves the new build


def test_an_on_disk_store_path_is_resolved_at_start(tmp_path, dist):
    from sparql_endpoint.backends.dist import local_store, served_folder

    link = tmp_path / "current"
    link.symlink_to(dist, target_is_directory=True)
    assert served_folder(link) == dist.resolve()
    assert local_store(link) == dist.resolve()
    assert local_store("memory") == "memory"
    assert local_store("https://user:pw@example.org/sparql") == "https://user:pw@example.org/sparql"
