"""Exit codes, the memory ceiling and the last line of defence of the ``achat-graph`` command.

Exit codes mean one thing each: 0 success, 1 invalid data, 2 usage or I/O error (a full
disk, a missing file, the memory ceiling reached), 70 an internal error — a bug of
achat-graph, reported with a request to file it, never as a bare traceback.
"""

from __future__ import annotations

import resource
import sys
import traceback
from contextlib import contextmanager

import click

#: Default ceiling on the address space of ``build`` and ``validate`` (``--max-memory``, MiB).
DEFAULT_MAX_MEMORY_MB = 8192
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
