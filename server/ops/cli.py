"""The ``cec-kg`` command line: build, validate, load and serve the graph."""
from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
The CEC Knowledge Graph: the Commission for Environmental Cooperation as linked data.

  cec-kg serve                      serve the CEC graph (validated) on http://127.0.0.1:8080/
  cec-kg serve --data my.ttl        serve your own RDF files instead
  cec-kg load --store db/ big.nq    load once into an on-disk store, then: cec-kg serve --store db/
  cec-kg validate                   check the CEC graph against its SHACL shapes

Run 'cec-kg COMMAND --help' for a command's options."""


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, when it has one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (default not in (None, False, argparse.SUPPRESS) and action.option_strings
                and "%(default)" not in text and not isinstance(default, list)):
            text += " (default: %(default)s)"
        return text


class ExamplesFormatter(argparse.RawDescriptionHelpFormatter, HelpFormatter):
    """The top-level description keeps its lines (it is a list of examples)."""


def versions() -> str:
    """The package, vocabulary and dataset versions (the dataset's is the hash of its input files)."""
    from importlib.metadata import PackageNotFoundError, version

    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL

    from ..graph import paths
    from ..graph.build import inputs_hash
    from ..graph.namespaces import ONTOLOGY_IRI

    try:
        package = version("cec-kg")
    except PackageNotFoundError:        # a checkout run without installing it
        package = "(not installed)"
    vocabulary = Graph().parse(paths.ONTOLOGY_FILE, format="turtle").value(URIRef(ONTOLOGY_IRI), OWL.versionInfo)
    return (f"cec-kg {package}\nvocabulary {vocabulary}\ndataset {inputs_hash()}\n"
            f"files: {paths.ROOT} ({paths.SOURCE})")


class VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the package, vocabulary and dataset versions and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(versions())
        parser.exit()


def cmd_build(args) -> int:
    from ..graph.build import built_nquads
    from .progress import bar

    with bar("build") as b:
        path = built_nquads(progress=b.update)
    print(path)
    return 0


def environment_lang() -> str:
    """The report's language from the locale (LC_ALL, LC_MESSAGES, LANG: "es_MX.UTF-8" is Spanish), if it
    is one the shapes speak (en, es, fr); else English."""
    import os

    from ..graph.namespaces import LANGS

    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        code = os.environ.get(var, "").split("_")[0].split(".")[0].lower()
        if code:
            return code if code in LANGS else "en"
    return "en"


def cmd_validate(args) -> int:
    from ..graph.validate import validate
    from .progress import bar, ticker

    with bar("validate") as b:
        conforms, report = validate(progress=ticker(b), lang=args.lang or environment_lang())
    print(report)
    return 0 if conforms else 1


def cmd_serve(args) -> int:
    from .serve import serve

    return serve(args)


def cmd_load(args) -> int:
    from .serve import load

    return load(args)


def add_serve(sub) -> None:
    s = sub.add_parser("serve", formatter_class=HelpFormatter, help="serve the SPARQL endpoint, linked data and pages",
                       description="Serve the CEC graph (validated first) or your own RDF: the SPARQL 1.1 endpoint "
                                   "at /sparql, every IRI dereferenceable, and pages for people at /. Stop it with Ctrl-C.")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    s.add_argument("--port", type=int, default=8080,
                   help="TCP port to listen on; a port in use is an error (exit status 1)")
    s.add_argument("--reuse-port", action="store_true",
                   help="share the port with other servers started with --reuse-port (SO_REUSEPORT: the kernel "
                        "splits connections between them); without it a second server on the port is refused")
    what = s.add_argument_group("what to serve (default: the CEC graph)")
    what.add_argument("--data", action="append", metavar="PATH",
                      help="RDF file or directory to serve instead of the CEC graph (repeatable; Turtle, TriG, "
                           "N-Triples, N-Quads, JSON-LD, RDF/XML)")
    what.add_argument("--store", metavar="DIR", help="directory of an on-disk store made by 'cec-kg load --store DIR'")
    what.add_argument("--backend", metavar="URL",
                      help="a remote SPARQL 1.1 endpoint to query instead of the embedded store (https: a "
                           "private CA's certificate is trusted through SSL_CERT_FILE)")
    what.add_argument("--license", metavar="IRI",
                      help="licence of the served data, stated in VoID, documents and pages (the CEC graph: "
                           "CC BY-SA 4.0 from data/LICENSE; your own --data: none unless given)")
    what.add_argument("--skip-validation", action="store_true",
                      help="serve the CEC graph even if SHACL finds violations")
    limits = s.add_argument_group("queries")
    limits.add_argument("--timeout", type=float, default=10.0, help="default query timeout, in seconds")
    limits.add_argument("--max-timeout", type=float, default=60.0,
                        help="cap on a request's timeout= parameter, in seconds")
    limits.add_argument("--max-result-mb", type=float, default=32.0,
                        help="largest result document, in MiB: a larger answer is cut at a row into a whole "
                             "document and flagged in X-SPARQL-Truncated (0: no limit)")
    limits.add_argument("--cache-mb", type=int, default=64, help="result cache per worker process, in MiB (0: off)")
    fair = s.add_argument_group("fair use (per client: its address, or --client-header from a trusted proxy)")
    fair.add_argument("--fair-query-seconds", type=float, default=60.0,
                      help="seconds of query time a client may use per minute; over it, 429 with Retry-After "
                           "(0: no budget)")
    fair.add_argument("--fair-concurrent-queries", type=int, default=5,
                      help="queries a client may have running at once; one more is answered 429 (0: no limit)")
    fair.add_argument("--reserved-threads", type=int, default=2,
                      help="request threads per worker process that heavy queries never take: pages, documents "
                           "and cheap queries (ASK, small LIMIT) never wait behind slow queries")
    fair.add_argument("--reserved-query-workers", type=int, default=1,
                      help="query processes per worker process kept for cheap queries")
    fair.add_argument("--cheap-query-seconds", type=float, default=1.0,
                      help="time a cheap query may run in the reserved lane; past it, it goes on as a heavy query "
                           "(503 Busy or 429 when the heavy lane or the client's share has no room for it)")
    fair.add_argument("--cheap-max-limit", type=int, default=1000,
                      help="a query whose outer LIMIT is at most this counts as a cheap lookup")
    ops = s.add_argument_group("operations")
    ops.add_argument("--access-log", metavar="PATH", default="-",
                     help="where to write the access log, one JSON line per request with its X-Request-Id "
                          "('-': stderr; 'off': none)")
    proxy = s.add_argument_group("behind a proxy")
    proxy.add_argument("--forwarded-allow-ips", metavar="ADDRESSES",
                       help="comma-separated addresses or networks of the proxies whose X-Forwarded-Proto, "
                            "X-Forwarded-Host and X-Forwarded-For are believed ('*': any); they shape links, "
                            "robots.txt, sitemap.xml and who the client is (default: nobody's)")
    proxy.add_argument("--client-header", metavar="NAME",
                       help="a header those proxies set to name the client (e.g. X-Real-IP, or a user or key "
                            "id), used for fair use and the access log instead of X-Forwarded-For")
    procs = s.add_argument_group("processes")
    procs.add_argument("--workers", type=int, default=2, help="HTTP worker processes (granian)")
    procs.add_argument("--threads", type=int, default=8, help="request threads per worker process")
    procs.add_argument("--query-workers", type=int, default=2, help="killable query processes kept warm per worker")
    procs.add_argument("--max-query-workers", type=int, default=3, help="at most this many query processes per worker")
    s.set_defaults(func=cmd_serve)


def add_load(sub) -> None:
    ld = sub.add_parser("load", formatter_class=HelpFormatter,
                        help="load the graph (or RDF files) into an on-disk store or a remote endpoint",
                        description="Load the CEC graph, or your RDF files, into an on-disk store (then serve it "
                                    "with 'cec-kg serve --store DIR') and/or push every graph to a SPARQL server "
                                    "with the Graph Store Protocol.")
    ld.add_argument("files", nargs="*", metavar="FILE", help="RDF files or directories (default: the CEC graph)")
    ld.add_argument("--data", action="append", metavar="PATH", help="same as FILE (repeatable)")
    ld.add_argument("--store", metavar="DIR", help="directory of the on-disk store to create or add to")
    ld.add_argument("--backend", metavar="URL", help="SPARQL endpoint URL; every graph is PUT with the Graph Store Protocol")
    ld.add_argument("--graph-store", metavar="URL",
                    help="Graph Store Protocol URL of --backend (default: guessed, e.g. /query -> /store)")
    ld.add_argument("--default-graph", metavar="IRI",
                    help="named graph that receives the default graph's triples, for a --backend without a default "
                         "graph of its own (Virtuoso: its default graph is the union of its named graphs)")
    ld.add_argument("--license", metavar="IRI",
                    help="licence of your files' data, recorded in the store (the CEC graph: its own)")
    ld.set_defaults(func=cmd_load)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cec-kg", description=DESCRIPTION, formatter_class=ExamplesFormatter)
    p.add_argument("--version", action=VersionAction)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("build", formatter_class=HelpFormatter, help="assemble the CEC dataset and print its N-Quads path",
                   description="Assemble the CEC dataset: the vocabulary, every source in its named graph, the "
                               "provenance and the RDFS/OWL entailments, written once per version of the inputs "
                               "as N-Quads; prints the file's path.").set_defaults(func=cmd_build)
    validate_parser = sub.add_parser(
        "validate", formatter_class=HelpFormatter,
        help="check the CEC graph against its SHACL shapes (exit 1 on a violation)",
        description="Check the CEC graph against its SHACL shapes: violations (exit status 1) and "
                    "warnings, each with the shape's message saying how to fix the data.")
    validate_parser.add_argument("--lang", choices=("en", "es", "fr"), default=None,
                                 help="the report's language (the shapes' messages are in English, Spanish and "
                                      "French); default: the locale's (LC_ALL, LC_MESSAGES, LANG), else English")
    validate_parser.set_defaults(func=cmd_validate)
    add_serve(sub)
    add_load(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
