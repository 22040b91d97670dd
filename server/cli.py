"""``cec-kg``: build, validate, load and serve the graph."""
from __future__ import annotations

import argparse
import sys


def cmd_build(args) -> int:
    from .build import built_nquads

    print(built_nquads())
    return 0


def cmd_validate(args) -> int:
    from .validate import validate

    conforms, report = validate()
    print(report)
    return 0 if conforms else 1


def cmd_serve(args) -> int:
    from .serve import serve

    return serve(args)


def cmd_load(args) -> int:
    from .serve import load

    return load(args)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cec-kg", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="assemble the dataset (with entailments) and print its N-Quads path").set_defaults(func=cmd_build)
    sub.add_parser("validate", help="check the graph against the SHACL shapes; exit 1 on any violation").set_defaults(func=cmd_validate)
    s = sub.add_parser("serve", help="serve the SPARQL endpoint and linked data")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--data", action="append", help="RDF file or directory to serve instead of the CEC graph (repeatable)")
    s.add_argument("--store", help="directory of an on-disk store (see `cec-kg load --store`)")
    s.add_argument("--backend", help="URL of a remote SPARQL 1.1 endpoint to query instead of the embedded store")
    s.add_argument("--workers", type=int, default=2, help="HTTP worker processes (granian)")
    s.add_argument("--threads", type=int, default=8, help="request threads per worker process")
    s.add_argument("--query-workers", type=int, default=2, help="killable query processes kept warm per worker")
    s.add_argument("--max-query-workers", type=int, default=4, help="at most this many query processes per worker")
    s.add_argument("--timeout", type=float, default=10.0, help="default query timeout in seconds")
    s.add_argument("--max-timeout", type=float, default=60.0, help="cap on a request's timeout= parameter")
    s.add_argument("--cache-mb", type=int, default=64, help="result cache size per worker process (MiB)")
    s.add_argument("--skip-validation", action="store_true", help="serve the CEC graph even if SHACL finds violations")
    s.set_defaults(func=cmd_serve)
    ld = sub.add_parser("load", help="load the graph (or RDF files) into an on-disk store or a remote endpoint")
    ld.add_argument("files", nargs="*", help="RDF files or directories (default: the CEC graph)")
    ld.add_argument("--data", action="append", help="same as the positional FILES (repeatable)")
    ld.add_argument("--store", help="directory of the on-disk store to create or add to")
    ld.add_argument("--backend", help="SPARQL endpoint URL; every graph is PUT with the Graph Store Protocol")
    ld.add_argument("--graph-store", help="Graph Store Protocol URL of --backend (default: guessed, e.g. /query -> /store)")
    ld.add_argument("--default-graph", metavar="IRI",
                    help="named graph that receives the default graph's triples, for a --backend without a default "
                         "graph of its own (Virtuoso: its default graph is the union of its named graphs)")
    ld.set_defaults(func=cmd_load)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
