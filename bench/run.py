"""``python -m bench``: our SPARQL server against Oxigraph server (and rdflib-endpoint), systems × sizes × mixes.

For each dataset: load each system's store with its own loader (timed), start the servers on free
loopback ports, check every distinct request's answer on each server against the right answer, then
for each mix run wrk against each server with unseen requests (every text distinct), in alternating
rounds, and with replayed requests (reported apart). Prints one table per (dataset, mix, mode) and
the verdicts; writes JSON, Markdown and a PNG chart under ``bench/results/``. The exit status is 1
when a target is missed or an answer is wrong.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from . import check, datasets, mixes, report
from .load import LoadResult, run_wrk, write_script, wrk_path
from .peers import BACKEND_PAIRS, BACKEND_SERVERS, make_peers, unavailable, with_backends

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
# ceiling-engine: pyoxigraph behind a bare WSGI front (bench/ceiling.py), the bound of any Python front.
SERVERS = ("ours", "oxigraph", "ceiling-engine", "rdflib-endpoint")
DATASETS = ("cec", "prtr-100k", "prtr-1m")
# --backends: the remote-store comparison (issue 11, item 4), on these datasets and mixes by default.
BACKEND_DATASETS = ("cec", "prtr-100k")
BACKEND_MIXES = ("lookup", "interactive", "graph")
# After the on-disk runs, these datasets are served again with both systems in memory (ours ``serve
# --data``, Oxigraph ``serve`` loaded over HTTP), reported as ``<name>-memory``: issue 11's figures for the
# CEC graph match Oxigraph in memory (interactive 2,856 req/s; ~510 on disk), and in memory the engines
# answer 2-6x faster than from RocksDB (measured with pyoxigraph on the CEC graph's store: lookup 2.1x,
# interactive 6.4x, graph 4.1x), so the service's own cost per request weighs far more there than on disk.
MEMORY_DATASETS = ("cec",)
SUBJECT_NAME = report.SUBJECT
RDFLIB_MAX_TRIPLES = 150_000      # rdflib-endpoint takes minutes per query mix beyond this


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--servers",
                   help="comma-separated, from ours, ours-nocache, oxigraph, oxigraph-merged, rdflib-endpoint, "
                        "ceiling-wsgi, ceiling-flask, ceiling-engine, " + ", ".join(BACKEND_SERVERS) + f" (default {','.join(SERVERS)}; "
                        f"rdflib-endpoint only up to {RDFLIB_MAX_TRIPLES:,} triples; ours-over-X brings its backend X)")
    p.add_argument("--mixes", help=f"comma-separated subset of {','.join(mixes.MIXES)} (the default)")
    p.add_argument("--datasets",
                   help="comma-separated, from cec, prtr-100k, prtr-1m, prtr-5m, prtr-<triples>, cec+synthetic "
                        f"(default {','.join(DATASETS)})")
    p.add_argument("--scale", type=float, default=2.0, help="cec+synthetic's size: ~27,000 quads per unit")
    p.add_argument("--storage", choices=("disk", "memory"), default="disk",
                   help="disk: each system loads its own on-disk store with its own loader (timed), then serves it; "
                        "memory: loaded in memory at start-up (default %(default)s)")
    p.add_argument("--memory-too", metavar="DATASETS", default=",".join(MEMORY_DATASETS),
                   help="with --storage disk: these of the datasets are also run with both systems in memory, "
                        "reported as NAME-memory (default %(default)s; '' for none)")
    p.add_argument("--duration", type=float, default=8.0, help="measured seconds per server, mix and mode")
    p.add_argument("--rounds", type=int, default=2, help="the measured time is split into this many rounds, "
                   "servers alternating, so a change in the machine's load hits every server alike")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds before each server's first round")
    p.add_argument("--replay", type=float, default=4.0, metavar="SECONDS",
                   help="seconds of replayed requests per server and mix (ours and oxigraph), reported apart; 0: none")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--analytic-connections", type=int, default=2,
                   help="connections for the analytic mix (each query scans every release)")
    p.add_argument("--analytic-duration", type=float, default=40.0,
                   help="measured seconds per server for the analytic mix: its queries take seconds each at 1M "
                        "triples, so a round of --duration completed none and nothing could be judged")
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--timeout", type=float, default=30.0, help="our query timeout (wrk gives up after 30 s)")
    p.add_argument("--every-status", action="store_true",
                   help="count every non-2xx under load with wrk's response hook (costs wrk ~20%% throughput); "
                        "by default statuses >= 400 are counted and each request was checked for a 2xx beforehand")
    p.add_argument("--ours-cmd", help="command starting our server instead of `cec-kg serve`; {port} and {data} are filled in")
    p.add_argument("--ours-workers", type=int, help="passed to `cec-kg serve --workers`")
    p.add_argument("--startup-timeout", type=float, default=300.0)
    p.add_argument("--results", type=Path, default=RESULTS_DIR)
    p.add_argument("--latest", metavar="NAME",
                   help="the results are also written as NAME.json / NAME.md / NAME.png (default: latest; "
                        "backend-latest when every server is a remote-store one)")
    p.add_argument("--backends", action="store_true",
                   help="the remote-store comparison: servers " + ",".join(BACKEND_SERVERS) + " on datasets "
                        + ",".join(BACKEND_DATASETS) + ", mixes " + ",".join(BACKEND_MIXES)
                        + " (unless given), results as backend-latest.*")
    p.add_argument("--quick", action="store_true", help="a quick look: cec and prtr-100k, 1 round of 3 s, 1 s warm-up")
    p.add_argument("--profile", type=float, default=0.0, metavar="SECONDS",
                   help="after measuring ours on a mix, record it with py-spy for SECONDS under the same load")
    args = p.parse_args(argv)
    if args.quick:
        args.duration, args.rounds, args.warmup, args.replay, args.analytic_duration = 3.0, 1, 1.0, 2.0, 6.0
        if args.datasets is None:
            args.datasets = "cec,prtr-100k"
    defaults = {"servers": SERVERS, "datasets": DATASETS, "mixes": mixes.MIXES}
    if args.backends:
        defaults = {"servers": BACKEND_SERVERS, "datasets": BACKEND_DATASETS, "mixes": BACKEND_MIXES}
    for name, value in defaults.items():     # None: not given
        if getattr(args, name) is None:
            setattr(args, name, ",".join(value))
    if args.latest is None:
        names = {s.strip() for s in args.servers.split(",") if s.strip()}
        args.latest = "backend-latest" if names and names <= set(BACKEND_SERVERS) else "latest"
    return args


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def settle(peers, startup_timeout: float, limit: float = 20.0) -> list[str]:
    """Wait until no server is still busy (e.g. rdflib-endpoint finishing queries wrk gave up on);
    restart any that is still burning CPU after ``limit`` seconds. Returns the restarted servers."""
    deadline = time.monotonic() + limit
    while True:
        before = {p.name: p.cpu_seconds() for p in peers}
        time.sleep(0.5)
        busy = [p for p in peers if p.cpu_seconds() - before[p.name] > 0.05]  # > 10% of a core
        if not busy:
            return []
        if time.monotonic() > deadline:
            for p in busy:
                print(f"   {p.name} still busy after {limit:g}s: restarting it", flush=True)
                p.stop()
                p.start()
                p.wait_ready(startup_timeout)
                p.load(p.source)
            return [p.name for p in busy]


def combine(parts: list[LoadResult]) -> dict:
    """Rounds of one server on one mix, as one result: totals, the median p50 and the worst p99."""
    secs = sum(p.seconds for p in parts)
    total = sum(p.requests for p in parts)
    out = {
        "requests": total, "seconds": round(secs, 3), "rps": round(total / secs, 1) if secs else 0.0,
        "p50_ms": statistics.median(p.p50_ms for p in parts), "p90_ms": max(p.p90_ms for p in parts),
        "p99_ms": max(p.p99_ms for p in parts), "max_ms": max(p.max_ms for p in parts),
        "errors": sum(p.errors for p in parts), "bytes": sum(p.bytes for p in parts),
        "client_cpu_s": round(sum(p.client_cpu_s for p in parts), 2),
        "server_cpu_s": round(sum(p.server_cpu_s for p in parts), 2),
        "rounds_rps": [p.rps for p in parts],
    }
    detail: dict = {}
    for p in parts:
        for k, v in p.error_detail.items():
            detail[k] = detail.get(k, 0) + v
    out["error_detail"] = detail
    return out


class Runs:
    """A fresh tag for every wrk invocation, so unseen texts never repeat within a benchmark run."""

    def __init__(self) -> None:
        self.n = int(time.time()) % 100000 * 1000

    def next(self) -> str:
        self.n += 1
        return str(self.n)


def measure(peers, requests, args, work: Path, tag: str, unseen: bool, seconds: float, rounds: int,
            connections: int, runs: Runs) -> dict:
    """Each server: a warm-up, then ``rounds`` rounds alternating between servers; results by server."""
    parts: dict[str, list[LoadResult]] = {p.name: [] for p in peers}
    backend_cpu: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    for rnd in range(rounds):
        order = peers if rnd % 2 == 0 else list(reversed(peers))
        for peer in order:
            if peer.name in errors:
                continue
            script = lambda: write_script(requests, peer.endpoint_path, work / "lua" / f"{tag}-{peer.name}.lua",
                                          every_status=args.every_status, unseen=unseen, run=runs.next())
            try:
                settle(peers, args.startup_timeout)
                if rnd == 0 and args.warmup > 0:
                    run_wrk(peer.base, script(), args.warmup, connections, args.threads)
                    settle(peers, args.startup_timeout, limit=5.0)  # the warm-up's stragglers
                backend = getattr(peer, "backend", None)
                backend_before = backend.cpu_seconds() if backend is not None else 0.0
                parts[peer.name].append(run_wrk(peer.base, script(), seconds / rounds, connections, args.threads,
                                                peer.cpu_seconds))
                if backend is not None:     # ours over a backend: the backend's own CPU, apart
                    backend_cpu.setdefault(peer.name, []).append(backend.cpu_seconds() - backend_before)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                errors[peer.name] = str(e)
    out = {name: ({"error": errors[name]} if name in errors else combine(parts[name])) for name in parts}
    for name, cpu in backend_cpu.items():
        if "error" not in out[name]:
            out[name]["backend_cpu_s"] = round(sum(cpu), 2)
    return out


def run_dataset(ds: datasets.Dataset, args, mix_names: list[str], server_names: list[str], work: Path,
                runs: Runs, storage: str) -> tuple[list[dict], dict]:
    print(f"\n== dataset {ds.name}: {ds.triples:,} triples ({ds.path}), storage: {storage}", flush=True)
    t = time.monotonic()
    reference = datasets.reference_store(ds.path)
    params = mixes.discover(reference)
    print(f"   reference loaded in process in {time.monotonic() - t:.1f} s; parameters: {len(params.entities)} entities, "
          f"{len(params.classes)} classes, {len(params.pollutants)} pollutants, words {params.words}", flush=True)
    names = [n for n in with_backends(server_names)
             if not (n == "rdflib-endpoint" and ds.triples > RDFLIB_MAX_TRIPLES)]
    not_run = {n: unavailable(n) for n in names if unavailable(n)}
    for n, why in not_run.items():
        print(f"   {n}: not run: {why}", flush=True)
    names = [n for n in names if n not in not_run]
    merged = None
    if "oxigraph-merged" in names:
        merged = work / "data" / f"{ds.name}.merged.nq"
        merged.parent.mkdir(parents=True, exist_ok=True)
        reference.dump(str(merged), format=ox.RdfFormat.N_QUADS)
    peers = make_peers(names, ds.path, work / "logs" / ds.name, args.ours_cmd, args.ours_workers, storage,
                       work / "stores" / ds.name, merged, args.timeout)
    info = {"name": ds.name, "triples": ds.triples, "synthetic": ds.synthetic, "storage": storage, "systems": {},
            "not_run": not_run}
    blocks = []
    try:
        for peer in peers:
            peer.source = merged if peer.name == "oxigraph-merged" else ds.path
            peer.prepare(peer.source)
            if peer.loading.get("load_s") is not None:
                print(f"   {peer.name}: loaded in {peer.loading['load_s']:.1f} s"
                      + (f" (+ optimize {peer.loading['optimize_s']:.1f} s)" if "optimize_s" in peer.loading else "")
                      + f", store {peer.loading['store_bytes'] / 2**20:,.0f} MiB", flush=True)
        for peer in list(peers):
            backend = getattr(peer, "backend", None)
            if backend is not None and backend not in peers:
                not_run[peer.name] = f"its backend {backend.name} did not start"
                peers.remove(peer)
                continue
            t0 = time.monotonic()
            try:
                peer.start()
                peer.wait_ready(args.startup_timeout)
                peer.loading["ready_s"] = round(time.monotonic() - t0, 2)
                peer.load(peer.source)
            except Exception as e:   # a remote-store peer that cannot start is reported, not fatal
                if peer.name not in BACKEND_SERVERS:
                    raise
                peer.stop()
                not_run[peer.name] = f"{type(e).__name__}: {str(e)[:300]}"
                print(f"   {peer.name}: not run: {not_run[peer.name]}", flush=True)
                peers.remove(peer)
                continue
            loaded = f", loaded with cec-kg load --backend in {peer.loading['load_s']:.1f} s" \
                if "load_s" in peer.loading and peer.name in BACKEND_SERVERS else ""
            if peer.loading.get("search_index_s"):
                loaded += f", search index {peer.loading['search_index_s']:.1f} s later"
            print(f"   {peer.name} ready at {peer.endpoint} ({peer.loading['ready_s']:.2f} s after start{loaded})",
                  flush=True)
        for mix in mix_names:
            try:
                requests = mixes.build(mix, params)
            except mixes.NoValues as e:
                print(f"   {mix}: skipped ({e})")
                continue
            settle(peers, args.startup_timeout)
            checked = [p for p in peers if p.checked]
            checks = check.check_mix(requests, {p.name: p.endpoint for p in checked}, reference)
            base = {
                "dataset": ds.name, "triples": ds.triples, "mix": mix, "requests": len({r.query for r in requests}),
                "templates": sorted({r.template for r in requests}),
                "wrong": {p.name: [c.template for c in checks if p.name in c.wrong] for p in checked},
                "duplicates": {p.name: [c.template for c in checks if p.name in c.duplicates] for p in checked},
                "notes": [c.notes for c in checks if c.notes],
                # ours over a backend is judged against that backend's own answers (a different engine's
                # answers are its own business): a template where the two differ is our fault.
                "differs_from_backend": {
                    client: [c.template for c in checks if not check.same(c.answers.get(client), c.answers.get(backend))]
                    for client, backend in BACKEND_PAIRS.items() if client in c_names(checked) and backend in c_names(checked)},
            }
            connections = args.analytic_connections if mix == "analytic" else args.connections
            tag = f"{ds.name}-{mix}"
            block = {**base, "mode": "unseen", "connections": connections,
                     "servers": measure(peers, requests, args, work, tag, True,
                                        max(args.duration, args.analytic_duration) if mix == "analytic" else args.duration,
                                        args.rounds, connections, runs)}
            blocks.append(block)
            _print_block(block)
            if args.profile:
                from .profile import profile_under_load

                for peer in peers:
                    if peer.name.startswith("ours"):
                        script = write_script(requests, peer.endpoint_path, work / "lua" / f"{tag}-{peer.name}-profile.lua",
                                              unseen=True, run=runs.next())
                        block.setdefault("profile", {})[peer.name] = profile_under_load(
                            peer, script, args, work / "profiles" / f"{tag}-{peer.name}")
            replayers = [p for p in peers if p.name in ("ours", "oxigraph")]
            if args.replay > 0 and replayers:
                block = {**base, "mode": "replay", "connections": connections,
                         "servers": measure(replayers, requests, args, work, tag + "-replay", False, args.replay, 1,
                                            connections, runs)}
                blocks.append(block)
                _print_block(block)
            for peer in peers:
                mem = peer.memory().get("pss")
                if mem:
                    peer.loading["memory_peak"] = max(mem, peer.loading.get("memory_peak", 0))
        for peer in peers:
            info["systems"][peer.name] = dict(peer.loading)
    finally:
        for peer in peers:
            peer.stop()
    return blocks, info


def c_names(peers) -> set[str]:
    return {p.name for p in peers}


def _print_block(block: dict) -> None:
    print(f"\n-- {block['dataset']} / {block['mix']} / {block['mode']}: {block['requests']} distinct requests "
          f"({', '.join(block['templates'])}), {block['connections']} connections", flush=True)
    print(report.text_table(report.COLUMNS, report.rows(block)), flush=True)
    if block["mode"] == "unseen":
        for notes in block["notes"][:8]:
            for n in notes[:3]:
                print(f"   note: {n}")


def storage_passes(data: list, storage: str, memory_too: str, backends: bool = False) -> list[tuple]:
    """(dataset, storage) for each run: every dataset on ``storage``; after them, on disk, those named in
    ``memory_too`` again in memory as ``NAME-memory`` (not for the remote stores: their backends keep
    their own storage)."""
    passes = [(ds, storage) for ds in data]
    if storage == "disk" and not backends:
        also = {d.strip() for d in memory_too.split(",") if d.strip()}
        passes += [(replace(ds, name=f"{ds.name}-memory"), "memory") for ds in data if ds.name in also]
    return passes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk_path()
    server_names = [s.strip() for s in args.servers.split(",") if s.strip()]
    mix_names = [m.strip() for m in args.mixes.split(",") if m.strip()]
    unknown = [m for m in mix_names if m not in mixes.MIXES]
    if unknown:
        print(f"unknown mix {unknown}: choose from {', '.join(mixes.MIXES)}", file=sys.stderr)
        return 2
    started = datetime.now(timezone.utc)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    work = args.results / "work"
    meta = {
        "started": started.isoformat(timespec="seconds"), "commit": _commit(), "cpus": os.cpu_count(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()), "connections": args.connections,
        "analytic_connections": args.analytic_connections, "threads": args.threads, "duration": args.duration,
        "rounds": args.rounds, "warmup": args.warmup, "replay": args.replay, "storage": args.storage,
        "servers": server_names, "datasets": args.datasets, "mixes": mix_names,
    }
    data = datasets.prepare([d.strip() for d in args.datasets.split(",") if d.strip()], work / "data", args.scale)
    passes = storage_passes(data, args.storage, args.memory_too, args.backends)
    meta["memory_datasets"] = [ds.name for ds, storage in passes if storage == "memory" and storage != args.storage]
    runs = Runs()
    blocks, infos = [], []
    for ds, storage in passes:
        b, info = run_dataset(ds, args, mix_names, server_names, work, runs, storage)
        blocks += b
        infos.append(info)
    meta["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    run = {"meta": meta, "datasets": infos, "blocks": blocks}
    js, md = report.write(args.results, run, stamp, args.latest)
    if any(b["servers"].get(SUBJECT_NAME) for b in blocks):
        print("\n== summary (unseen requests)")
        print(report.text_table(report.SUMMARY_COLUMNS, report.summary(run)))
    backend_rows = report.backend_summary(run)
    if backend_rows:
        print("\n== remote stores: ours over a backend vs the backend queried directly (unseen requests)")
        print(report.text_table(report.BACKEND_COLUMNS, backend_rows))
    lines = report.verdicts(run)
    print("\n== targets (unseen requests)")
    for ok, sentence in lines:
        print(f"   {'met   ' if ok else 'MISSED'} {sentence}")
    print(f"\nwritten: {js}\n         {md}\n         {args.results / (args.latest + '.png')}")
    return 0 if all(ok for ok, _ in lines) else 1
