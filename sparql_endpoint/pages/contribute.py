"""``/contribute``: a local authority describes a resource it wants to open, and gets the record.

The form is turned into a curated record (and, for a publisher the graph does not know, an
organisation record); the check is the builder's own, ``achat-graph check-record --json -``,
run in a process of its own with a time limit, cut off the network and bounded in memory
(``execution/confine``).  The server never imports ``graph_builder``
(the import contracts forbid it): it hands the command YAML on stdin and reads its JSON, so
the record model, the references and the SHACL shapes are exactly the build's.  Nothing is
written on the server; every input is bounded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading

import yaml
from flask import Blueprint, request

from achat_core.iris import APG, RDFS
from achat_core.text import ascii_fold
from sparql_endpoint.http.errors import problem
from sparql_endpoint.http.language import choose_language
from sparql_endpoint.pages.render import backend, data_base, render
from sparql_endpoint.pages.words import TEXTS, text

bp = Blueprint("contribute", __name__)

#: Bounds of the form: characters per field, and of the whole body.
LIMITS = {"title": 300, "url": 500, "publisher": 80, "publisher_name": 200,
          "publisher_siren": 20, "date": 10, "type": 20, "languages": 60, "licence": 500,
          "description_fr": 2000, "description_en": 2000, "title_lang": 5}
MAX_BODY = 32 * 1024
MAX_INSTRUMENTS = 30
TITLE_LANGUAGES = ("fr", "en", "ca", "it", "nl")
TYPES = ("publication", "guide", "study", "web-page")
#: Seconds the builder's check may take, and how many may run at once.
CHECK_TIMEOUT = 120
_RUNNING = threading.BoundedSemaphore(2)
#: Where a problem of the check lands in the form: record field or property → form field.
FIELD_OF = {"title": "title", "dcterms:title": "title", "rdfs:label": "title", "key": "title",
            "url": "url", "schema:url": "url", "publisher": "publisher",
            "dcterms:publisher": "publisher", "issued": "date", "dcterms:issued": "date",
            "type": "type", "mentions": "instruments", "apg:mentionsInstrument": "instruments",
            "languages": "languages", "dcterms:language": "languages", "license": "licence",
            "dcterms:license": "licence", "description": "description_fr",
            "dcterms:description": "description_fr", "siren": "publisher_siren",
            "apg:siren": "publisher_siren", "sources": "url", "dcterms:source": "url"}


def slug(name: str) -> str:
    """Return a record key made from a name: lower-case ASCII words joined by hyphens."""
    words = re.sub(r"[^a-z0-9]+", " ", ascii_fold(name).lower()).split()
    return "-".join(words)[:60].strip("-")


def _choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return (key, label) of the graph's organisations and instruments, for the form."""
    lang = choose_language()
    base = data_base()

    def listed(cls: str, kind: str) -> list[tuple[str, str]]:
        rows = backend().select(
            f"SELECT ?x (SAMPLE(?l) AS ?label) WHERE {{ ?x a <{APG}{cls}> ; <{RDFS}label> ?l "
            f"FILTER(lang(?l) = \"{lang}\" || lang(?l) = \"\") "
            f"FILTER(STRSTARTS(STR(?x), \"{base}id/{kind}/\")) }} GROUP BY ?x")
        found = [(r["x"].value.rsplit("/", 1)[-1], r["label"].value) for r in rows]
        return sorted(found, key=lambda pair: ascii_fold(pair[1]).casefold())
    return listed("Organisation", "organisation"), listed("Instrument", "instrument")


def records(form: dict, instruments: list[str]) -> tuple[dict, dict[str, str]]:
    """Turn the form into ``{file name: [records]}`` and the problems found before the check."""
    lang = choose_language()
    errors: dict[str, str] = {}
    title = form["title"]
    if not title:
        errors["title"] = text("contribute_err_required", lang)
    title_lang = form["title_lang"] or "fr"
    if title_lang not in TITLE_LANGUAGES:
        errors["title_lang"] = text("contribute_err_choice", lang)
    resource: dict = {"key": slug(title) or "ressource", "title": {title_lang: title}}
    if title_lang not in ("fr", "en"):  # a title stays in its language; the label says it
        resource["label"] = {"fr": title, "en": title}
    if form["url"]:
        resource["url"] = form["url"]
    else:
        errors["url"] = text("contribute_err_required", lang)
    grouped: dict[str, list[dict]] = {"resources.yaml": [resource]}
    if form["publisher"]:
        resource["publisher"] = [form["publisher"]]
    elif form["publisher_name"] or form["publisher_siren"]:
        siren = re.sub(r"\s", "", form["publisher_siren"])
        if not form["publisher_name"]:
            errors["publisher_name"] = text("contribute_err_required", lang)
        if not re.fullmatch(r"[0-9]{9}", siren):
            errors["publisher_siren"] = text("contribute_err_siren", lang)
        key = slug(form["publisher_name"]) or "organisation"
        resource["publisher"] = [key]
        grouped["organisations.yaml"] = [{
            "key": key, "label": {"fr": form["publisher_name"], "en": form["publisher_name"]},
            "roles": ["local-authority"], "siren": siren,
            "sources": [f"https://annuaire-entreprises.data.gouv.fr/entreprise/{siren}"]}]
    if form["date"]:
        resource["issued"] = _partial_date(form["date"])
    if form["type"]:
        if form["type"] not in TYPES:
            errors["type"] = text("contribute_err_choice", lang)
        resource["type"] = form["type"]
    if instruments:
        resource["mentions"] = instruments
    languages = [code.strip() for code in form["languages"].split(",") if code.strip()]
    if languages:
        resource["languages"] = languages
    if form["licence"]:
        resource["license"] = form["licence"]
    description = {code: form[f"description_{code}"] for code in ("fr", "en")
                   if form[f"description_{code}"]}
    if description:
        resource["description"] = description
    resource["sources"] = [form["url"]] if form["url"] else []
    return grouped, errors


def _partial_date(written: str):
    """Return a date as YAML writes it unquoted: a day, a year, or else the text as it is."""
    try:
        return dt.date.fromisoformat(written) if len(written) == 10 else int(written)
    except ValueError:
        return written


def check(grouped: dict) -> dict:
    """Run the builder's check on the records; return its JSON answer."""
    document = yaml.safe_dump(grouped, allow_unicode=True, sort_keys=False)
    completed = subprocess.run(
        [sys.executable, "-m", "sparql_endpoint.execution.confine", "--",
         sys.executable, "-m", "achat_graph.cli", "check-record", "--json", "-"],
        input=document.encode("utf-8"), capture_output=True, timeout=CHECK_TIMEOUT,
        check=False)
    out = completed.stdout.decode("utf-8", "replace").strip().splitlines()
    if completed.returncode not in (0, 1, 2) or not out:
        raise RuntimeError(completed.stderr.decode("utf-8", "replace")[-500:])
    return json.loads(out[-1])


def _form_field(field: str | None) -> str:
    """Return the form field a problem of the check is about (else the whole form)."""
    name = re.split(r"[\[ .(]", field or "", maxsplit=1)[0]
    return FIELD_OF.get(name, "form")


@bp.route("/contribute", methods=["GET", "POST"])
def contribute():
    """Show the form; on submit, check the record as a build would and offer its YAML."""
    lang = choose_language()
    if request.content_length and request.content_length > MAX_BODY:
        return problem(413, text("contribute_err_too_large", lang))
    source = request.form if request.method == "POST" else {}
    form = {name: (source.get(name) or "").strip()[:limit] for name, limit in LIMITS.items()}
    too_long = [name for name, limit in LIMITS.items()
                if len((source.get(name) or "").strip()) > limit]
    instruments = [i[:80] for i in (source.getlist("instruments") if source else [])]
    organisations, known = _choices()
    context = dict(form=form, chosen=instruments, organisations=organisations,
                   instruments=known, types=TYPES, title_languages=TITLE_LANGUAGES,
                   limits=LIMITS, errors={}, result=None, files=None,
                   field_labels={name: text(f"contribute_f_{name}", lang)
                                 for name in (*LIMITS, "instruments")
                                 if f"contribute_f_{name}" in TEXTS})
    if request.method == "GET":
        return render("contribute.html", **context)
    grouped, errors = records(form, instruments[:MAX_INSTRUMENTS])
    for name in too_long:
        errors[name] = text("contribute_err_too_long", lang).format(LIMITS[name])
    if len(instruments) > MAX_INSTRUMENTS:
        errors["instruments"] = text("contribute_err_too_many", lang)
    if not errors:
        if not _RUNNING.acquire(blocking=False):
            return problem(503, text("contribute_err_busy", lang), {"Retry-After": "5"})
        try:
            answer = check(grouped)
        except (subprocess.TimeoutExpired, RuntimeError, ValueError):
            return problem(503, text("contribute_err_busy", lang), {"Retry-After": "5"})
        finally:
            _RUNNING.release()
        if answer.get("error"):
            errors["form"] = answer["error"]
        for found in answer.get("problems", []):
            message = found["message_fr"] if lang == "fr" else found["message_en"]
            field = _form_field(found.get("field"))
            errors[field] = (errors[field] + " " + message) if field in errors else message
        if not errors:
            context["files"] = answer.get("files", {})
            context["warnings"] = [w["message_fr"] if lang == "fr" else w["message_en"]
                                   for w in answer.get("warnings", [])]
    context["errors"] = errors
    return render("contribute.html", 400 if errors else 200, **context)
