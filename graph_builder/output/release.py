"""The local release: build into a fresh folder, then switch a symlink in one step.

(Loading a build into a remote engine is ``remote_load``, the ``publish`` command.)

Layout: ``{out}`` is a symlink to ``{out}.builds/{build_id}``.  A build is written
into ``{out}.builds/.partial-{build_id}-{pid}`` and renamed to its final name once
complete; ``{out}`` is then replaced by a new symlink with :func:`os.replace`, which
is atomic on POSIX.  A failed or interrupted build leaves ``{out}`` untouched.  The
current and the previous builds are kept, and every build a server still reads (it
holds a lease, ``achat_core.lease``); older ones go.  Partial folders of processes
that are gone are removed when a build starts, and by ``achat-graph build --clean``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from achat_core.lease import in_use
from achat_core.manifest import NAME, Manifest, ManifestError

PARTIAL_PREFIX = ".partial-"


class ReleaseError(OSError):
    """The build cannot be released where asked (for example a plain folder is there)."""


def builds_dir(out: Path) -> Path:
    """Return the folder holding the build folders of ``out``."""
    return out.parent / f"{out.name}.builds"


def check_target(out: Path) -> None:
    """Refuse to release over anything that is not our own symlink."""
    if out.is_symlink():
        return
    if out.exists():
        kind = "folder" if out.is_dir() else "file"
        raise ReleaseError(
            f"{out} is a plain {kind}, not a symlink to a build: refusing to replace it "
            f"(move it away, or choose another --out)")


def start(out: Path, build_id: str) -> Path:
    """Create and return an empty partial build folder beside the released ones."""
    check_target(out)
    remove_stale_partials(builds_dir(out))  # left by killed builds
    folder = builds_dir(out) / f"{PARTIAL_PREFIX}{build_id}-{os.getpid()}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def complete(folder: Path) -> bool:
    """Say whether ``folder`` is a whole build: its manifest, every file it lists as listed.

    A build's identity is its content: its manifest names every dump with its checksum,
    and its store is those dumps loaded, so the store's own bytes are not compared.
    """
    try:
        manifest = Manifest.read(folder)
    except ManifestError:
        return False
    if manifest.store is not None and not (folder / manifest.store).is_dir():
        return False
    for name, entry in manifest.files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != entry.bytes:
            return False
        with open(path, "rb") as stream:
            if hashlib.file_digest(stream, "sha256").hexdigest() != entry.sha256:
                return False
    return True


def _same_content(a: Path, b: Path) -> bool:
    """Say whether two builds hold the same content: the same manifest, ``a`` complete."""
    try:
        return (a / NAME).read_bytes() == (b / NAME).read_bytes() and complete(a)
    except OSError:
        return False


def reuse(out: Path, build_id: str) -> Path | None:
    """Release the build ``build_id`` again if a complete one is there; return it, or None.

    The same inputs give the same build: it need not be made again.
    """
    check_target(out)
    final = builds_dir(out) / build_id
    if not complete(final):
        return None
    _switch(out, final)
    return final


def _sync(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as stream:
                os.fsync(stream.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def finish(out: Path, partial: Path, build_id: str) -> Path:
    """Move a complete partial build to its final name and switch ``out`` to it atomically.

    When a build with the same id exists and holds the same content (the same manifest),
    it is reused.  Return the released build folder.
    """
    check_target(out)
    _sync(partial)
    builds = builds_dir(out)
    final = builds / build_id
    suffix = 1
    while final.exists() and not _same_content(final, partial):
        suffix += 1
        final = builds / f"{build_id}-{suffix}"
    if final.exists():
        shutil.rmtree(partial)
    else:
        os.rename(partial, final)
    _switch(out, final)
    return final


def _switch(out: Path, final: Path) -> None:
    """Point ``out`` at ``final`` at once; prune all but it, its predecessor, leased builds."""
    builds = final.parent
    previous = out.resolve() if out.is_symlink() else None
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(Path(builds.name) / final.name, link, target_is_directory=True)
    os.replace(link, out)
    if previous != final.resolve():
        _prune(builds, keep={final.resolve(), previous})


def discard(partial: Path) -> None:
    """Delete a partial build folder after a failure."""
    shutil.rmtree(partial, ignore_errors=True)


def _prune(builds: Path, keep: set[Path | None]) -> None:
    for child in builds.iterdir():
        if child.resolve() in keep:
            continue
        if child.name.startswith(PARTIAL_PREFIX):
            pid = child.name.rsplit("-", 1)[-1]
            if pid.isdigit() and _alive(int(pid)):
                continue
        if child.is_dir() and not child.is_symlink() and not in_use(child):
            shutil.rmtree(child, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(builds: Path) -> list[Path]:
    """Remove the partial build folders of processes that are gone; return them."""
    removed = []
    if not builds.is_dir():
        return removed
    for child in sorted(builds.iterdir()):
        pid = child.name.rsplit("-", 1)[-1]
        if (child.name.startswith(PARTIAL_PREFIX) and child.is_dir() and not child.is_symlink()
                and not (pid.isdigit() and _alive(int(pid)))):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


def clean(out: Path) -> list[Path]:
    """Remove everything in ``{out}.builds`` but the released build and its predecessor.

    The predecessor is the most recently modified other build.  Partial folders of running
    builds and builds a server still reads are kept.  Return what was removed.
    """
    builds = builds_dir(out)
    removed = remove_stale_partials(builds)
    if not builds.is_dir():
        return removed
    current = out.resolve() if out.is_symlink() else None
    others = sorted((c for c in builds.iterdir() if c.is_dir() and not c.is_symlink()
                     and not c.name.startswith(PARTIAL_PREFIX) and c.resolve() != current),
                    key=lambda c: c.stat().st_mtime, reverse=True)
    for child in others[1:] if current is not None else others[2:]:
        if in_use(child):
            continue
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child)
    return removed
