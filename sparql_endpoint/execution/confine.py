"""Run a command cut off the network and bounded in memory: ``python -m …confine -- CMD …``.

The server asks the builder to check a visitor's record (``/contribute``) in a process of
its own. That process reads text a client chose, so it gets the same kernel barriers as a
query process before it runs: an empty network namespace and a cap on its address space.
It then replaces itself with the command (``execv``), so a time limit on it kills the
command too.
"""

from __future__ import annotations

import os
import resource
import sys

from sparql_endpoint.execution.isolation import IsolationError, isolate

#: Address space the command may map: the builder's check uses about a third of it.
MEMORY_BYTES = 1536 * 1024 * 1024
#: Exit code when the barriers cannot be raised (sysexits' EX_TEMPFAIL).
CANNOT_CONFINE = 75


def main(argv: list[str]) -> None:
    """Raise the barriers, then become ``argv`` (after a leading ``--``)."""
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        sys.exit("usage: python -m sparql_endpoint.execution.confine -- COMMAND [ARG...]")
    try:
        isolate()
    except IsolationError as error:
        print(f"confine: {error}", file=sys.stderr)
        sys.exit(CANNOT_CONFINE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    os.execv(command[0], command)


if __name__ == "__main__":  # pragma: no cover - exercised through a real subprocess
    main(sys.argv[1:])
