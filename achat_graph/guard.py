"""Exit codes, the memory ceiling and the last line of defence of the ``achat-graph`` command.

Exit codes mean one thing each: 0 success, 1 invalid data, 2 usage or I/O error (a full
disk, a missing file, the memory ceiling reached), 70 an internal error — a bug of
achat-graph, reported with a request to file it, never as a bare traceback.

Native code (pyoxigraph, RocksDB) does not raise MemoryError when the ceiling is reached:
it aborts the process.  So ``build`` and ``validate`` run in a child process watched by
``supervise``, which turns a death by signal into a readable message and an exit code.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import traceback
from contextlib import contextmanager

import click


def _default_ceiling() -> int:
    """Return three quarters of the memory, in MiB: a clear error before the OOM killer acts."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 8192
    return max(1024, total * 3 // 4 // (1024 * 1024))


#: Default ceiling on the address space of ``build`` and ``validate`` (``--max-memory``, MiB).
DEFAULT_MAX_MEMORY_MB = _default_ceiling()
#: Commands run in a watched child process.
SUPERVISED = ("build", "validate")
_CHILD_FLAG = "ACHAT_GRAPH_CHILD"
INVALID_DATA = 1
USAGE_OR_IO = 2
INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h
ISSUES_URL = "the project's issue tracker"


@contextmanager
def memory_ceiling(megabytes: int):
    """Limit the process's address space (RLIMIT_AS) to ``megabytes`` while inside; 0: no limit.

    A breach makes allocations fail: Python raises MemoryError, which the command reports.
    The previous limit is restored on the way out.
    """
    if megabytes <= 0:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def memory_message(megabytes: int) -> str:
    """Return the error shown when the memory ceiling is reached."""
    return (f"error: the memory limit was reached ({megabytes} MiB, --max-memory): the input "
            f"is too large or too deeply nested to process in that much memory")


def internal_error_message(error: BaseException) -> str:
    """Return the message of an unexpected exception: what it was, where, and what to do."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    text = str(error).splitlines()[0][:300] if str(error) else ""
    return (f"internal error (a bug of achat-graph, not of your data): "
            f"{type(error).__name__}{': ' + text if text else ''}{where}\n"
            f"Please report it on {ISSUES_URL} with the command you ran; nothing was published.")


class GuardedGroup(click.Group):
    """A command group that turns an unexpected exception into exit 70 and a readable message."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except MemoryError:
            click.echo("error: out of memory; nothing was published", err=True)
            sys.exit(USAGE_OR_IO)
        except Exception as error:  # the last line of defence: never a bare traceback
            click.echo(internal_error_message(error), err=True)
            sys.exit(INTERNAL_ERROR)


def supervise(argv: list[str], main) -> None:
    """Run ``main`` (the click group) for ``argv``, in a watched child for heavy commands.

    The child inherits the terminal (progress bars, messages); the parent forwards SIGTERM
    and SIGINT and, if the child dies by a signal, says what most likely happened.
    """
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in SUPERVISED or os.environ.get(_CHILD_FLAG):
        main(args=argv, prog_name="achat-graph")
        return
    child = subprocess.Popen([sys.executable, "-m", "achat_graph.cli", *argv],
                             env={**os.environ, _CHILD_FLAG: "1"})
    forward = lambda number, frame: child.send_signal(number)  # noqa: E731
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, forward)
    code = child.wait()
    if code >= 0:
        sys.exit(code)
    name = signal.Signals(-code).name
    if -code in (signal.SIGTERM, signal.SIGINT):
        sys.exit(128 - code)
    ceiling = _option(argv, "--max-memory") or str(DEFAULT_MAX_MEMORY_MB)
    print(f"error: achat-graph {command} stopped on {name}: most likely the memory ceiling "
          f"of {ceiling} MiB (--max-memory) was reached in native code; raise it, or report "
          f"the crash on {ISSUES_URL} if that does not help."
          + (" Nothing was published." if command == "build" else ""), file=sys.stderr)
    sys.exit(USAGE_OR_IO)


def _option(argv: list[str], name: str) -> str | None:
    """Return the value given to a long option in ``argv``, if any."""
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None
