"""IRIs as plain strings: the ontology namespace, the default base, the prefixes.

The builder wraps them in rdflib namespaces (``graph_builder.namespaces``); the server
uses them as they are, so a web worker never imports rdflib for a constant.
"""

#: The namespace of the ontology (a hash namespace, one document).
ONTOLOGY_NS = "https://w3id.org/achat-public/ontology#"
#: The default base under which things are minted: ``{base}id/{kind}/{slug}``.
DEFAULT_BASE = "https://w3id.org/achat-public/"
#: The EU authority tables (code lists), ``{EU_AUTHORITY}{table}/{code}``.
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

#: Prefixes written in dumps and offered to the query editor.
PREFIXES: dict[str, str] = {
    "apg": ONTOLOGY_NS,
    "adms": "http://www.w3.org/ns/adms#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "epo": "http://data.europa.eu/a4g/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "http://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
#: The SPARQL 1.1 Service Description vocabulary (no prefix in dumps).
SD = "http://www.w3.org/ns/sparql-service-description#"

#: The namespaces code names most often, each read from the one table above.
APG, EPO, RDF, RDFS, SKOS, DCT, OWL, XSD = (PREFIXES[p] for p in (
    "apg", "epo", "rdf", "rdfs", "skos", "dcterms", "owl", "xsd"))
SCHEMA, ADMS, ELI, FOAF, ORG = (PREFIXES[p] for p in ("schema", "adms", "eli", "foaf", "org"))


def prefix_lines(*names: str) -> str:
    """The ``PREFIX`` lines of a SPARQL query for the named prefixes of ``PREFIXES``.

    Queries then use ``epo:Contract`` rather than retyping a namespace IRI.
    """
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)
