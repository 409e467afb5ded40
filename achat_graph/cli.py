"""The ``achat-graph`` command: build (and release), validate, serve and publish the graph.

Each command imports the side it needs when it runs (``graph_builder`` or
``sparql_endpoint``), so ``serve`` never loads the builder and ``build`` never loads Flask.
Exit codes (``achat_graph.guard``): 0 success, 1 invalid data (nothing released), 2 usage
or I/O error (the memory ceiling included), 70 internal error (a bug: please report it).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import click

from achat_core.iris import DEFAULT_BASE
from achat_core.resources import DATA_DIR
from achat_graph import guard
from sparql_endpoint.http.settings import DEFAULTS as SERVE


def _fail(problems_or_message, code: int) -> None:
    click.echo(str(problems_or_message), err=True)
    sys.exit(code)


@click.group(cls=guard.GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="achat-public-graph")
def main() -> None:
    """Build, validate and serve the achat-public-graph knowledge graph."""


MAX_MEMORY = click.option(
    "--max-memory", type=click.IntRange(0), default=guard.DEFAULT_MAX_MEMORY_MB,
    show_default="¾ of the RAM", metavar="MIB",
    help="Address-space ceiling in MiB (0: none); reaching it is a clear error.")


def _iso_date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date of the form YYYY-MM-DD") from None


@main.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DATA_DIR,
              show_default=True, help="Folder of curated YAML records.")
@click.option("--wiki", "wiki_dir", type=click.Path(path_type=Path), default=None,
              help="Folder of Fabrique des Mobilités wiki pages (text form).")
@click.option("--decp", "decp_files", type=click.Path(path_type=Path), multiple=True,
              help="A DECP v2 JSON file (repeatable).")
@click.option("--update", "update_file", type=click.Path(path_type=Path), default=None,
              help="A new month's DECP file to add to the build released at OUT, which was "
                   "made from the --decp files: the same build as a full rebuild, in less time.")
@click.option("--sirene", "sirene_files", type=click.Path(path_type=Path), multiple=True,
              help="An INSEE Sirene stock file, StockUniteLegale or StockEtablissement: CSV, "
                   "zipped CSV or Parquet (repeatable; needs --decp).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Where to release (a symlink switched atomically).")
@click.option("--base", default=DEFAULT_BASE, show_default=True,
              help="Base IRI of minted things: {base}id/{kind}/{slug}.")
@click.option("--store/--no-store", "with_store", default=None,
              help="Also write an on-disk pyoxigraph store (default: on with --decp).")
@click.option("--strict", is_flag=True, help="Stop at the first bad DECP record.")
@click.option("--sample-rate", type=click.FloatRange(0, 1), default=0.01, show_default=True,
              help="Share of DECP records checked with the SHACL shapes.")
@click.option("--created", default=None, metavar="YYYY-MM-DD", callback=_iso_date,
              help="Date recorded in the catalogue (default: SOURCE_DATE_EPOCH or the inputs).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars, only errors.")
@MAX_MEMORY
@click.option("--clean", is_flag=True,
              help="Only remove old and partial builds of OUT: all but the released build "
                   "and its predecessor.")
def build(data_dir, wiki_dir, decp_files, update_file, sirene_files, out_dir, base, with_store,
          strict, sample_rate, created, quiet, max_memory, clean):
    """Build, validate and release the graph to OUT."""
    from graph_builder.errors import InvalidData
    from graph_builder.output import release
    from graph_builder.pipeline.build import build_and_release
    from graph_builder.pipeline.options import BuildOptions

    if clean:
        for path in release.clean(out_dir):
            click.echo(f"removed {path}")
        return
    options = BuildOptions(
        data_dir=data_dir, wiki_dir=wiki_dir,
        decp_files=tuple(decp_files) + ((update_file,) if update_file else ()),
        update=update_file is not None,
        sirene_files=tuple(sirene_files), out_dir=out_dir,
        base=base, with_store=with_store, strict=strict, sample_rate=sample_rate, quiet=quiet,
        created=created,
    )
    try:
        with guard.memory_ceiling(max_memory):
            summary = build_and_release(options)
    except InvalidData as error:
        _fail(error, 1)
    except OSError as error:
        _fail(f"error: {error}", 2)
    except MemoryError:
        _fail(guard.memory_message(max_memory), 2)
    if not quiet:
        click.echo(summary)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@MAX_MEMORY
def validate(files, max_memory):
    """Validate RDF FILES against the shapes (0 conforms, 1 does not or is empty, 2 error)."""
    from graph_builder.shacl.gate import EmptyGraph, validate_files

    try:
        with guard.memory_ceiling(max_memory):
            report = validate_files(files)
    except EmptyGraph as error:
        _fail(f"error: {error}", 1)
    except (OSError, SyntaxError, ValueError) as error:
        _fail(f"error: {error}", 2)
    except MemoryError:
        _fail(guard.memory_message(max_memory), 2)
    click.echo(report.text())
    sys.exit(0 if report.conforms else 1)


@main.command("check-record")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--kind", default=None, metavar="KIND",
              help="The records' kind (resource, organisation…); else the file's name says it "
                   "(resources.yaml), or the document maps file names to records.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DATA_DIR,
              show_default="the packaged data", help="The curated data the records join.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of the things.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@MAX_MEMORY
def check_record(file, kind, data_dir, base, as_json, max_memory):
    """Check new records in FILE (- reads stdin) as a build would (0 valid, 1 not, 2 error)."""
    import json

    from graph_builder.pipeline.check_record import MAX_INPUT_BYTES, check_records, parse_records
    from graph_builder.sources.curated import FILE_KINDS

    try:
        if str(file) == "-":
            text = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1).decode("utf-8")
        else:
            with open(file, "rb") as stream:
                text = stream.read(MAX_INPUT_BYTES + 1).decode("utf-8")
        if kind is None and str(file) != "-":
            kind = FILE_KINDS.get(Path(file).name)
        with guard.memory_ceiling(max_memory):
            result = check_records(parse_records(text, kind), data_dir, base)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        if as_json:
            click.echo(json.dumps({"valid": False, "error": str(error)}))
        _fail(f"error: {error}", 2)
    except MemoryError:
        _fail(guard.memory_message(max_memory), 2)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        for problem in result.problems + result.warnings:
            click.echo(str(problem))
        if result.valid:
            for name, records in result.files.items():
                click.echo(f"# valid: add to data/{name}\n{records}")
        else:
            click.echo(f"{len(result.problems)} problem(s): not valid")
    sys.exit(0 if result.valid else 1)


@main.command()
@click.option("--dist", type=click.Path(path_type=Path), default=SERVE.dist,
              show_default=True, help="A published build folder.")
@click.option("--host", default=SERVE.host, show_default=True)
@click.option("--port", default=SERVE.port, show_default=True, type=int)
@click.option("--workers", default=SERVE.workers, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes; each has its own query processes.")
@click.option("--threads", default=SERVE.threads, show_default=True,
              type=click.IntRange(1, 4096),
              help="Threads per worker; each waits on a client or a query process.")
@click.option("--query-processes", type=click.IntRange(1, 256), default=SERVE.query_processes,
              show_default="2 × cores", help="Query processes per lane (user queries, pages).")
@click.option("--queue", default=SERVE.queue, show_default=True, type=click.IntRange(0, 10_000),
              help="Requests that may wait for a user-query process; beyond, 503 at once.")
@click.option("--query-memory", "query_memory_mb", type=click.IntRange(0),
              default=SERVE.query_memory_mb, show_default=True,
              help="MB of memory a query process may add to the store (0: no limit).")
@click.option("--max-result-bytes", type=click.IntRange(1000), default=SERVE.max_result_bytes,
              show_default=True, help="Results are cut (and marked) past about this size.")
@click.option("--result-cache-mb", type=click.IntRange(0), default=SERVE.result_cache_mb,
              show_default=True,
              help="Whole answers each worker keeps for repeated queries, MB (0: none).")
@click.option("--allow-unisolated", is_flag=True,
              help="Serve even where query processes cannot be cut off the network.")
@click.option("--store", default=SERVE.store, show_default=True,
              help="'memory', the folder of an on-disk store written by the builder, or the "
                   "http(s) URL of a SPARQL engine the build was published to.")
@click.option("--public-url", default=SERVE.public_url,
              help="Where users reach this server (e.g. https://data.example.org/achat/): "
                   "every link, redirect and the Service Description name it "
                   "[default: the listening address].")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ADDR",
              help="A reverse proxy's IP address or network whose X-Forwarded-* headers are "
                   "honoured (repeatable); no other client's are.")
@click.option("--query-timeout", default=SERVE.query_timeout, show_default=True,
              type=click.FloatRange(0.1, 3600), help="Seconds after which a query is stopped.")
@click.option("--remote-graph", default=SERVE.remote_graph,
              help="With an http(s) --store: the graph IRI the build was published to "
                   "(default: {base}graph).")
@click.option("--remote-max-rows", type=click.IntRange(1), default=SERVE.remote_max_rows,
              help="With an http(s) --store: the engine's own row cap (Virtuoso "
                   "ResultSetMaxRows), so a result that long is marked truncated.")
@click.option("--engine", "remote_engine", type=click.Choice(["virtuoso", "generic"]),
              default=SERVE.remote_engine, show_default=True,
              help="With an http(s) --store: the kind of engine.")
@click.option("--engine-lenient", "engine_lenient", is_flag=True, default=SERVE.engine_lenient,
              help="With an http(s) --store: run the queries the engine answers otherwise "
                   "than SPARQL 1.1 instead of refusing them (every answer says so in the "
                   "X-Engine-Semantics header; docs/remote-engines.md lists them).")
@click.option("--follow", is_flag=True,
              help="Move to the new build whenever the --dist symlink changes (as on SIGHUP).")
def serve(**options):
    """Serve the graph: SPARQL endpoint, pages and dumps (gunicorn); SIGHUP moves to a new build."""
    from sparql_endpoint.http.server import serve as run_server

    options["trusted_proxies"] = tuple(options["trusted_proxies"])
    try:
        run_server(replace(SERVE, **options))
    except (OSError, ValueError) as error:
        _fail(f"error: {error}", 2)


@main.command()
@click.option("--dist", "dist_dir", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="A published build folder.")
@click.option("--to", "to", required=True, help="The engine's SPARQL query endpoint URL.")
@click.option("--graph", default=None, help="Graph IRI (default: {base}graph).")
@click.option("--engine", type=click.Choice(["virtuoso", "fuseki", "generic"]),
              default="virtuoso", show_default=True, help="How to reach its write endpoints.")
@click.option("--keep", type=click.IntRange(min=1), default=2, show_default=True,
              help="Versions kept on the engine, this one included: servers started on an "
                   "older kept build go on answering from it.")
def publish(dist_dir, to, graph, engine, keep):
    """Publish a build to a remote SPARQL engine (credentials: ACHAT_SPARQL_USER/PASSWORD)."""
    from graph_builder.output.remote_load import PublishError
    from graph_builder.output.remote_load import publish as publish_remote

    try:
        click.echo(publish_remote(dist_dir, to, graph, engine=engine, keep=keep))
    except (PublishError, OSError) as error:
        _fail(f"error: {error}", 2)


def run() -> None:
    """The ``achat-graph`` program: ``build`` and ``validate`` run in a watched child process."""
    guard.supervise(sys.argv[1:], main)


if __name__ == "__main__":
    main(prog_name="achat-graph")
