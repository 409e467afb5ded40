"""The local release: a build switched in through a symlink, atomically."""

import hashlib
import os
from pathlib import Path

import pytest

from achat_core import lease
from achat_core.manifest import FileEntry, Manifest
from graph_builder.output import release


def _build(out: Path, build_id: str, content: str) -> Path:
    partial = release.start(out, build_id)
    (partial / "graph.ttl").write_text(content)
    (partial / "store").mkdir()  # a store's bytes are not part of the build's identity
    (partial / "store" / "x").write_text(f"{content} {os.urandom(4).hex()}")
    _manifest(partial, build_id)
    return release.finish(out, partial, build_id)


def _manifest(folder: Path, build_id: str) -> None:
    data = (folder / "graph.ttl").read_bytes()
    entry = FileEntry(len(data), hashlib.sha256(data).hexdigest(), "text/turtle", 1)
    Manifest(build_id, "https://example.org/", "2026-01-01", 1, ("graph.ttl",), "store",
             {"graph.ttl": entry}).write(folder)


def test_first_build_releases_a_symlink_to_its_folder(tmp_path: Path):
    out = tmp_path / "dist"
    final = _build(out, "aaa", "one")
    assert out.is_symlink()
    assert not os.path.isabs(os.readlink(out))  # relative: the pair can be moved together
    assert out.resolve() == final.resolve() == (tmp_path / "dist.builds" / "aaa").resolve()
    assert (out / "graph.ttl").read_text() == "one"
    assert [p.name for p in (tmp_path / "dist.builds").iterdir()] == ["aaa"]


def test_switch_keeps_the_previous_build_and_prunes_older_ones(tmp_path: Path):
    out = tmp_path / "dist"
    _build(out, "aaa", "one")
    _build(out, "bbb", "two")
    _build(out, "ccc", "three")
    assert (out / "graph.ttl").read_text() == "three"
    assert sorted(p.name for p in (tmp_path / "dist.builds").iterdir()) == ["bbb", "ccc"]
    assert not list(tmp_path.glob(".dist.link-*"))


def test_a_build_a_server_still_reads_is_kept_until_its_lease_ends(tmp_path: Path):
    out = tmp_path / "dist"
    first = _build(out, "aaa", "one")
    held = lease.take(first)
    assert lease.in_use(first)
    _build(out, "bbb", "two")
    _build(out, "ccc", "three")
    assert sorted(p.name for p in (tmp_path / "dist.builds").iterdir()) == ["aaa", "bbb", "ccc"]
    assert release.clean(out) == []
    os.close(held)
    assert not lease.in_use(first)
    assert [p.name for p in release.clean(out)] == ["aaa"]


def test_a_plain_folder_is_never_replaced(tmp_path: Path):
    out = tmp_path / "dist"
    out.mkdir()
    (out / "precious").write_text("keep")
    with pytest.raises(release.ReleaseError, match="plain folder") as caught:
        release.start(out, "aaa")
    assert isinstance(caught.value, OSError)
    assert (out / "precious").read_text() == "keep"


def test_a_discarded_build_leaves_the_output_as_it_was(tmp_path: Path):
    out = tmp_path / "dist"
    _build(out, "aaa", "one")
    partial = release.start(out, "bbb")
    (partial / "graph.ttl").write_text("half")
    release.discard(partial)
    assert (out / "graph.ttl").read_text() == "one"
    assert [p.name for p in (tmp_path / "dist.builds").iterdir()] == ["aaa"]


def test_the_same_build_id_with_the_same_content_is_reused(tmp_path: Path):
    out = tmp_path / "dist"
    first = _build(out, "aaa", "one")
    again = _build(out, "aaa", "one")  # its store's bytes differ
    assert again == first
    assert [p.name for p in (tmp_path / "dist.builds").iterdir()] == ["aaa"]


def test_a_complete_build_is_released_again_without_being_made(tmp_path: Path):
    out = tmp_path / "dist"
    first = _build(out, "aaa", "one")
    _build(out, "bbb", "two")
    assert release.reuse(out, "ccc") is None
    assert release.reuse(out, "aaa") == first
    assert (out / "graph.ttl").read_text() == "one"
    assert sorted(p.name for p in (tmp_path / "dist.builds").iterdir()) == ["aaa", "bbb"]
    (first / "graph.ttl").write_text("tampered")
    _build(out, "bbb", "two")
    assert release.reuse(out, "aaa") is None  # a file no longer as listed


def test_the_same_build_id_with_other_bytes_gets_its_own_folder(tmp_path: Path):
    out = tmp_path / "dist"
    _build(out, "aaa", "one")
    other = _build(out, "aaa", "changed")
    assert other.name == "aaa-2"
    assert (out / "graph.ttl").read_text() == "changed"
    assert (tmp_path / "dist.builds" / "aaa" / "graph.ttl").read_text() == "one"


def test_stale_partial_folders_of_dead_builds_are_removed(tmp_path: Path):
    out = tmp_path / "dist"
    stale = tmp_path / "dist.builds" / ".partial-zzz-999999999"
    stale.mkdir(parents=True)
    _build(out, "aaa", "one")
    assert not stale.exists()


def test_stale_partial_folders_go_when_the_next_build_starts(tmp_path: Path):
    out = tmp_path / "dist"
    stale = tmp_path / "dist.builds" / ".partial-zzz-999999999"
    running = tmp_path / "dist.builds" / f".partial-yyy-{os.getppid()}"
    stale.mkdir(parents=True)
    running.mkdir()
    release.start(out, "aaa")
    assert not stale.exists() and running.exists()


def test_clean_keeps_the_released_build_and_its_predecessor(tmp_path: Path):
    out = tmp_path / "dist"
    _build(out, "aaa", "one")
    _build(out, "bbb", "two")
    older = tmp_path / "dist.builds" / "old"
    older.mkdir()
    os.utime(older, (0, 0))
    stale = tmp_path / "dist.builds" / ".partial-zzz-999999999"
    stale.mkdir()
    removed = release.clean(out)
    assert sorted(p.name for p in removed) == [".partial-zzz-999999999", "old"]
    assert sorted(p.name for p in (tmp_path / "dist.builds").iterdir()) == ["aaa", "bbb"]
