"""``cec-kg serve`` and ``cec-kg load``.

``serve`` builds (and validates) the CEC graph or reads the ``--data`` files, creates the app once,
forks the query-worker zygote while the process is still single-threaded, then hands the app to
granian (Rust HTTP server, WSGI interface, keep-alive; measured faster than gunicorn's sync workers,
which close every connection — see DESIGN.md). granian forks its worker processes from this one, so
the loaded store is shared copy-on-write by every worker and every query process.
"""
from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import sys
import time
from pathlib import Path

import pyoxigraph as ox


def config_from_args(args) -> dict:
    config: dict = {}
    if getattr(args, "data", None):
        config["DATA"] = [str(Path(p).absolute()) for p in args.data]
    if getattr(args, "store", None):
        config["STORE_DIR"] = str(Path(args.store).absolute())
    if getattr(args, "backend", None):
        config["BACKEND"] = args.backend
    if getattr(args, "license", None):
        config["LICENSE"] = args.license
    for attr, key in (("timeout", "QUERY_TIMEOUT"), ("max_timeout", "MAX_QUERY_TIMEOUT"),
                      ("query_workers", "QUERY_WORKERS"), ("max_query_workers", "MAX_QUERY_WORKERS"),
                      ("threads", "THREADS"), ("fair_query_seconds", "FAIR_QUERY_SECONDS"),
                      ("fair_concurrent_queries", "FAIR_CONCURRENT_QUERIES"), ("reserved_threads", "RESERVED_THREADS"),
                      ("reserved_query_workers", "RESERVED_QUERY_WORKERS"),
                      ("cheap_query_seconds", "CHEAP_QUERY_SECONDS"), ("cheap_max_limit", "CHEAP_MAX_LIMIT")):
        if getattr(args, attr, None) is not None:
            config[key] = getattr(args, attr)
    if getattr(args, "access_log", None) and args.access_log != "off":
        config["ACCESS_LOG"] = "-" if args.access_log == "-" else str(Path(args.access_log).absolute())
    if getattr(args, "forwarded_allow_ips", None):
        config["FORWARDED_ALLOW_IPS"] = args.forwarded_allow_ips
    if getattr(args, "client_header", None):
        config["CLIENT_HEADER"] = args.client_header
    if getattr(args, "max_result_mb", None) is not None:
        config["MAX_RESULT_BYTES"] = int(args.max_result_mb * 1024 * 1024)
    if getattr(args, "cache_mb", None) is not None:
        config["RESULT_CACHE_BYTES"] = args.cache_mb * 1024 * 1024
    return config


def validated_cec_graph() -> bool:
    """Validate the CEC graph once per version of its inputs and shapes (a marker file in build/)."""
    from ..graph import paths
    from ..graph.build import inputs_hash

    digest = hashlib.sha256(inputs_hash().encode())
    for f in sorted(paths.SHAPES_DIR.glob("*.ttl")):
        digest.update(f.read_bytes())
    marker = paths.BUILD_DIR / f"validated-{digest.hexdigest()[:16]}"
    from ..graph.validate import findings_path

    if marker.exists() and findings_path().exists():     # the pages show the stored results (SHACL status)
        return True
    from ..graph.validate import validate
    from .progress import bar, ticker

    print("cec-kg: validating the CEC graph against its shapes (once per version of its files)", file=sys.stderr,
          flush=True)
    with bar("validate") as b:
        conforms, report = validate(progress=ticker(b))
    if not conforms:
        print(report, file=sys.stderr)
        return False
    paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    marker.write_text("conforms\n")
    return True


def serve(args) -> int:
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    from ..store import close_search, reap_search_builder
    from .app import create_app
    from .front import HEADER_BUFFER_BYTES
    from .server import PortInUse, Server, bind, die_with_parent

    # The port first: a port in use fails at once, before minutes of loading (and never shares it).
    try:
        listener = bind(args.host, args.port, reuse_port=getattr(args, "reuse_port", False))
    except PortInUse:
        print(f"cec-kg serve: port {args.port} is in use on {args.host} (another server listens there): stop it, "
              "or choose another --port", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"cec-kg serve: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 1
    config = config_from_args(args)
    if not (config.get("DATA") or config.get("STORE_DIR") or config.get("BACKEND")) and not args.skip_validation:
        if not validated_cec_graph():
            print("cec-kg serve: the CEC graph has SHACL violations (above); fix them or pass --skip-validation",
                  file=sys.stderr)
            return 1
    if not (config.get("DATA") or config.get("STORE_DIR") or config.get("BACKEND")):
        from ..graph.build import built_nquads
        from .progress import bar

        with bar("build") as b:       # assembled once per version of the inputs, then read from build/
            built_nquads(progress=b.update)
    # Spawned (not forked) granian workers rebuild the app from CEC_* variables; forked ones inherit it.
    for key, value in config.items():
        os.environ["CEC_" + key] = value if isinstance(value, str) else __import__("json").dumps(value)
    forked = multiprocessing.get_start_method() == "fork"
    if not forked:
        os.environ["CEC_START_QUERY_WORKERS"] = "true"
    try:
        app = create_app({**config, "START_QUERY_WORKERS": True})
    except (ValueError, OSError) as e:
        print(f"cec-kg serve: {e}", file=sys.stderr)
        return 2
    store = app.extensions["cec_kg.store"]
    if getattr(store, "pool", None) is not None:
        # A killed query-process spawner is started again; a finished index builder is collected.
        store.pool.watch(also=lambda: reap_search_builder(app))
    # Everything made so far (modules, the app, the loaded graph's Python side) lives as long as the
    # server: keep it out of the cyclic garbage collector, whose full collections walked all of it
    # (~40,000 objects, tens of ms) every few hundred requests, and whose bookkeeping writes would
    # unshare the copy-on-write pages the forked workers share.
    from ..store import bounded

    bounded.shape()             # compiled once here, shared by the forked workers, not once in each
    gc.freeze()
    server = Server(
        "cec_kg:create_app",
        listener=listener,
        drain=store.drain,
        inflight=app.extensions.get("cec_kg.inflight"),
        interface=Interfaces.WSGI,
        workers=max(1, args.workers),
        blocking_threads=max(1, args.threads),
        backlog=2048,
        # Heads up to 1 MiB reach us, so that ours (front.MAX_HEADER_BYTES) answer 431 with a problem body.
        http1_settings=HTTP1Settings(max_buffer_size=HEADER_BUFFER_BYTES),
        log_access=False,
        factory=True,
        # Plain HTTP/1.1, no WebSocket upgrade checks (nothing here speaks either): measured 10-15% less
        # CPU per small request than granian's defaults (HTTP/1 and 2 sniffing, WebSockets on).
        http=HTTPModes.http1,
        websockets=False,
    )
    print(f"cec-kg: serving {store.kind} store on http://{args.host}:{args.port}/sparql "
          f"({args.workers} workers x {args.threads} threads)", flush=True)

    def worker_app(*_):
        die_with_parent()           # a granian worker never outlives the main process
        return app

    try:
        if forked:
            server.serve(target_loader=worker_app, wrap_loader=False)
        else:
            server.serve()
    except PortInUse:
        print(f"cec-kg serve: port {args.port} is in use on {args.host}: stop the other server, or choose "
              "another --port", file=sys.stderr)
        return 1
    finally:
        store.close()
        close_search(app)       # a search index still being built in the background: its builder ends too
        server.close()
    return 0


def load_estimate(files: list[Path]) -> tuple[float, str]:
    """The progress bar's total and unit: triples (estimated from the first MiB of each file, one a line)
    when every file is N-Triples or N-Quads, else bytes."""
    from ..store.embedded import LINE_FORMATS, RDF_FORMATS

    if not all(RDF_FORMATS[f.suffix.lower()] in LINE_FORMATS for f in files):
        return sum(f.stat().st_size for f in files), "B"
    total = 0.0
    for f in files:
        with f.open("rb") as fh:
            head = fh.read(2**20)
        total += f.stat().st_size * head.count(b"\n") / max(1, len(head))
    return round(total), "triples"


def put_failure(error: OSError, url: str, default_graph: bool) -> str:
    """What went wrong with a Graph Store Protocol PUT to ``url``, and how to mend it where we can tell."""
    import ssl
    from urllib.parse import urlsplit

    from ..store.client import handshake_failure

    reason = getattr(error, "reason", error)        # urllib's URLError wraps the socket's error
    if isinstance(reason, ssl.SSLError):
        where = urlsplit(url)
        return handshake_failure(reason, where.hostname, where.netloc)
    hint = " (a store without a default graph of its own, e.g. Virtuoso, needs --default-graph IRI)" \
        if default_graph else ""
    return f"{error}{hint}"


def load(args) -> int:
    from ..store.base import rdf_files
    from ..store.embedded import EmbeddedStore
    from ..store.loading import data_files
    from .progress import bar

    names = list(args.files or []) + list(args.data or [])
    if names:
        files = data_files({"DATA": names})
    else:
        from ..graph.build import built_nquads
        from ..graph.licence import cec_data_license

        with bar("build") as b:
            files = [built_nquads(progress=b.update)]
        args.license = args.license or cec_data_license()
    if not (args.store or args.backend):
        print("cec-kg load: give --store DIR and/or --backend URL", file=sys.stderr)
        return 2
    try:
        rdf_files(files)
    except ValueError as e:
        print(f"cec-kg load: {e}", file=sys.stderr)
        return 2
    try:
        if args.store:
            started = time.perf_counter()
            total, unit = load_estimate(rdf_files(files))
            with bar("load", total=total, unit=unit) as b:
                store = EmbeddedStore.from_files(files, Path(args.store), license=args.license,
                                                 progress=lambda nbytes, triples: b.update(
                                                     nbytes if unit == "B" else triples))
            seconds = time.perf_counter() - started
            n = store.size()
            print(f"{args.store}: {n} triples in the default graph, loaded in {seconds:.1f} s "
                  f"({n / max(seconds, 1e-6):,.0f} triples/s), content hash {store.content_hash()}")
        # Graphs as loaded: the backend makes its own default graph (no merged copy is pushed).
        staged = EmbeddedStore.from_files(files, union_default_graph=False).ox_store if args.backend else None
    except (ValueError, OSError) as e:
        print(f"cec-kg load: {e}", file=sys.stderr)
        return 2
    if args.backend:
        from ..store.remote import RemoteStore

        remote = RemoteStore(args.backend, graph_store=args.graph_store)
        graphs = [ox.DefaultGraph()] + list(staged.named_graphs())
        default_target = getattr(args, "default_graph", None)   # stores without a default graph (Virtuoso)
        try:
            if default_target and ox.NamedNode(default_target) in graphs:
                raise ValueError(f"--default-graph {default_target} is already a named graph of the data")
        except ValueError as e:
            print(f"cec-kg load: {e}", file=sys.stderr)
            return 2
        for graph in graphs:
            quads = staged.quads_for_pattern(None, None, None, graph)
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
            is_default = isinstance(graph, ox.DefaultGraph)
            if not triples and is_default:
                continue
            try:
                status = remote.put_graph(default_target if is_default else graph.value,
                                          ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
            except OSError as e:   # urllib's URLError / HTTPError
                print(f"cec-kg load: PUT to {remote.graph_store} failed: "
                      f"{put_failure(e, remote.graph_store, is_default and not default_target)}",
                      file=sys.stderr)
                return 1
            name = "default graph" if is_default else graph.value
            if is_default and default_target:
                name += f" as {default_target}"
            print(f"PUT {name}: {len(triples)} triples -> {status}")
        print(f"{remote.graph_store}: {len(graphs)} graphs pushed")
    return 0
