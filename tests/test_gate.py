"""The SHACL gate: results located in records, warnings apart from violations, chunking."""

import gzip
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, SH, URIRef

from graph_builder.shacl.gate import compact, read_rdf_file, validate_graph
from graph_builder.sources.records import Record

EX = "http://example.org/"
SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <{EX}> .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property ex:Thing-url , ex:Thing-part .
ex:Thing-url sh:path schema:url ; sh:nodeKind sh:IRI ;
  sh:name "adresse web"@fr, "web address"@en ;
  sh:message "adresse web invalide"@fr, "invalid web address"@en .
ex:Thing-part sh:path ex:part ; sh:class ex:Part ;
  sh:message "doit désigner une partie"@fr, "must point to a part"@en .
ex:PartShape a sh:NodeShape ; sh:targetClass ex:Part ;
  sh:property [ sh:path ex:amount ; sh:minCount 1 ;
                sh:message "montant requis"@fr, "amount required"@en ] .
ex:Sub rdfs:subClassOf ex:Part .
"""
WARNINGS = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <{EX}> .
ex:ThingLabel a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property [ sh:path rdfs:label ; sh:languageIn ("en") ; sh:minCount 1 ;
                sh:message "libellé anglais conseillé"@fr, "English label advised"@en ] .
"""
VOCABULARY = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <{EX}> .
ex:Sub rdfs:subClassOf ex:Part .
"""


def _shapes():
    return (rdflib.Graph().parse(data=SHAPES, format="turtle"),
            rdflib.Graph().parse(data=WARNINGS, format="turtle"))


def _vocabulary():
    return rdflib.Graph().parse(data=VOCABULARY, format="turtle")


def _data(n: int, bad: set[int]) -> tuple[rdflib.Graph, dict]:
    ttl = [f"@prefix ex: <{EX}> . @prefix schema: <http://schema.org/> ."
           "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    origins = {}
    for i in range(n):
        url = '"ftp nope"' if i in bad else f"<https://e.org/{i}>"
        ttl.append(f'ex:t{i} a ex:Thing ; rdfs:label "t{i}"@en ; schema:url {url} ; '
                   f"ex:part ex:p{i} . ex:p{i} a ex:Sub ; ex:amount {i} .")
        origins[URIRef(f"{EX}t{i}")] = Record("thing", f"t{i}", {}, "things.yaml", 10 * i + 1,
                                              {"url": 10 * i + 4, "part": 10 * i + 5})
    return rdflib.Graph().parse(data="\n".join(ttl), format="turtle"), origins


def test_a_conforming_graph_passes_with_subclasses_from_the_vocabulary():
    data, origins = _data(3, set())
    report = validate_graph(data, _shapes(), _vocabulary(), origins)
    assert report.conforms, report.text()
    assert report.violations == [] and report.warnings == []


def test_a_violation_names_file_line_record_field_and_both_messages():
    data, origins = _data(3, {1})
    report = validate_graph(data, _shapes(), _vocabulary(), origins)
    assert not report.conforms
    [problem] = report.violations
    assert (problem.file, problem.line, problem.record) == ("things.yaml", 14, "thing/t1")
    assert problem.field.startswith("schema:url")
    assert "web address" in problem.field  # the shape's sh:name
    assert "invalid web address" in problem.message and "ftp nope" in problem.message
    assert problem.message_fr.startswith("adresse web invalide")
    assert "things.yaml:14" in report.text()


def test_a_dependent_node_is_reported_under_its_owner_record():
    data, origins = _data(2, set())
    data.remove((URIRef(f"{EX}p1"), URIRef(f"{EX}amount"), None))
    report = validate_graph(data, _shapes(), _vocabulary(), origins)
    [problem] = report.violations
    assert problem.record == "thing/t1"
    assert problem.file == "things.yaml"
    assert problem.field.startswith("<http://example.org/part>")
    assert "amount required" in problem.message


def test_warnings_do_not_block_but_are_reported():
    data, origins = _data(2, set())
    data.remove((URIRef(f"{EX}t0"), rdflib.RDFS.label, None))
    data.add((URIRef(f"{EX}t0"), rdflib.RDFS.label, rdflib.Literal("t0", lang="fr")))
    report = validate_graph(data, _shapes(), _vocabulary(), origins)
    assert report.conforms
    [warning] = report.warnings
    assert warning.severity == "Warning" and warning.record == "thing/t0"
    assert "English label advised" in report.text()


def test_chunked_validation_finds_the_same_problems_as_one_run():
    data, origins = _data(40, {3, 17, 31})
    data.remove((URIRef(f"{EX}p20"), RDF.type, None))  # sh:class needs the neighbour's type
    whole = validate_graph(data, _shapes(), _vocabulary(), origins)
    seen = []
    chunked = validate_graph(data, _shapes(), _vocabulary(), origins, chunk_size=7,
                             progress=seen.append)
    assert [str(p) for p in chunked.violations] == [str(p) for p in whole.violations]
    assert len(whole.violations) == 4
    assert sum(seen) == len(set(data.subjects()) | set(_vocabulary().subjects()))


def test_the_report_graph_is_deterministic_and_has_no_blank_nodes():
    data, origins = _data(5, {2})
    first = validate_graph(data, _shapes(), _vocabulary(), origins).graph("https://b.org/")
    second = validate_graph(data, _shapes(), _vocabulary(), origins).graph("https://b.org/")
    assert set(first) == set(second)
    assert not any(isinstance(t, rdflib.BNode) for triple in first for t in triple)
    report = next(first.subjects(RDF.type, SH.ValidationReport))
    assert first.value(report, SH.conforms).toPython() is False
    assert len(list(first.objects(report, SH.result))) == 1


def test_compact_uses_known_prefixes():
    assert compact(URIRef("http://schema.org/url")) == "schema:url"
    assert compact(URIRef("http://unknown.org/x")) == "<http://unknown.org/x>"


def test_validate_cli_exit_codes(tmp_path: Path):
    from click.testing import CliRunner

    from achat_graph.cli import main

    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://e.org/a> <http://e.org/p> .")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.ttl" in result.output
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "missing.ttl")])
    assert result.exit_code == 2


def _broken_gzip_files(folder: Path) -> dict[str, Path]:
    lines = "".join(f"<http://e.org/s{i}> <http://e.org/p> \"{'v' * 40}{i}\" .\n"
                    for i in range(3000)).encode()
    packed = gzip.compress(lines)
    corrupt = bytearray(packed)
    corrupt[100:110] = b"\xff" * 10
    files = {"truncated.nt.gz": packed[:len(packed) // 2], "plain.nt.gz": lines,
             "corrupt.nt.gz": bytes(corrupt)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


def test_a_broken_gzip_file_is_a_syntax_error_naming_the_file(tmp_path: Path):
    for name, path in _broken_gzip_files(tmp_path).items():
        with pytest.raises(SyntaxError, match=name):
            read_rdf_file(path)


def test_validate_cli_exits_2_on_a_truncated_gzip_file(tmp_path: Path):
    from click.testing import CliRunner

    from achat_graph.cli import main

    path = _broken_gzip_files(tmp_path)["truncated.nt.gz"]
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "truncated.nt.gz" in result.output
    assert "Aborted" not in result.output


def test_constraints_left_to_pyshacl_are_checked_in_chunks_and_located():
    compared = SHAPES + """
ex:PartCompared a sh:NodeShape ; sh:targetClass ex:Part ;
  sh:property [ sh:path ex:amount ; sh:disjoint ex:limit ;
                sh:message "montant égal au plafond"@fr, "amount equal to the limit"@en ] .
"""
    shapes = (rdflib.Graph().parse(data=compared, format="turtle"),
              rdflib.Graph().parse(data=WARNINGS, format="turtle"))
    data, origins = _data(30, {4})
    for i in (2, 11, 25):
        data.add((URIRef(f"{EX}p{i}"), URIRef(f"{EX}limit"), rdflib.Literal(i)))
    whole = validate_graph(data, shapes, _vocabulary(), origins)
    chunked = validate_graph(data, shapes, _vocabulary(), origins, chunk_size=4)
    assert [str(p) for p in chunked.violations] == [str(p) for p in whole.violations]
    above = [p for p in whole.violations if "amount equal to the limit" in p.message]
    assert [p.record for p in above] == ["thing/t2", "thing/t11", "thing/t25"]
    assert all(p.file == "things.yaml" and p.field.startswith("<http://example.org/part>")
               for p in above)
    assert len(whole.violations) == 4


def test_the_pyshacl_fallback_reports_top_level_results_only_with_both_messages():
    nested = SHAPES + """
ex:Thing-linked a sh:PropertyShape ; sh:path ex:linked ; sh:node ex:Amounted ; sh:maxLength 200 ;
  sh:message "lien invalide"@fr, "invalid link"@en .
ex:ThingShape sh:property ex:Thing-linked .
ex:Amounted a sh:NodeShape ; sh:property [ sh:path ex:amount ; sh:minCount 1 ] .
"""
    shapes = (rdflib.Graph().parse(data=nested, format="turtle"), rdflib.Graph())
    data, origins = _data(3, set())
    data.add((URIRef(f"{EX}t0"), URIRef(f"{EX}linked"), URIRef(f"{EX}t1")))
    report = validate_graph(data, shapes, _vocabulary(), origins)
    # t1 has no ex:amount: pySHACL also reports that as a nested result about t1
    [result] = report.results
    assert (result.focus, result.component) == (URIRef(f"{EX}t0"), SH.NodeConstraintComponent)
    [problem] = report.violations
    assert problem.record == "thing/t0"
    assert problem.message.startswith("invalid link")
    assert problem.message_fr.startswith("lien invalide")
    assert " / lien invalide" in str(problem)


def test_a_result_without_a_french_message_still_has_a_french_text():
    bare = SHAPES + """
ex:PartShape sh:property [ sh:path ex:unit ; sh:minCount 1 ] .
"""
    shapes = (rdflib.Graph().parse(data=bare, format="turtle"), rdflib.Graph())
    data, origins = _data(1, set())
    [problem] = validate_graph(data, shapes, _vocabulary(), origins).violations
    assert "ex:unit" in problem.message or "example.org/unit" in problem.message
    assert problem.message_fr.startswith("non conforme à sh:MinCountConstraintComponent : ")
    assert problem.message in problem.message_fr and "non traduit" in problem.message_fr
