"""``python -m bench``: every mix at concurrency 8 against our server, Oxigraph server and rdflib-endpoint.

For each dataset: start the servers on free loopback ports, load the same file into each, check every
distinct request's answer once on each server, then for each mix and server run wrk for a warm-up and
for the measured duration. Prints one table per (dataset, mix) and the targets, writes JSON and
Markdown under ``bench/results/``; the exit status is 1 when a target is missed or an answer is wrong.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from . import check, datasets, mixes, report
from .load import run_wrk, write_script, wrk_path
from .peers import make_peers

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
SERVERS = ("ours", "ours-nocache", "oxigraph", "rdflib-endpoint")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset of %(default)s")
    p.add_argument("--mixes", default=",".join(mixes.MIXES), help="comma-separated subset of %(default)s")
    p.add_argument("--datasets", default=",".join(datasets.NAMES), help="comma-separated subset of %(default)s")
    p.add_argument("--scale", type=float, default=2.0, help="synthetic size: ~27,000 quads per unit (default %(default)s)")
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per server and mix")
    p.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds before each measurement")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--every-status", action="store_true",
                   help="count every non-2xx under load with wrk's response hook (costs wrk ~20%% throughput); "
                        "by default statuses >= 400 are counted and each request was checked for a 2xx beforehand")
    p.add_argument("--ours-cmd", help="command starting our server instead of `cec-kg serve`; {port} and {data} are filled in")
    p.add_argument("--ours-workers", type=int, help="passed to `cec-kg serve --workers`")
    p.add_argument("--startup-timeout", type=float, default=300.0)
    p.add_argument("--results", type=Path, default=RESULTS_DIR)
    p.add_argument("--profile", type=float, default=0.0, metavar="SECONDS",
                   help="after measuring ours on a mix, record it with py-spy for SECONDS under the same load")
    return p.parse_args(argv)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def settle(peers, data: Path, startup_timeout: float, limit: float = 20.0) -> list[str]:
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
                p.load(data)
            return [p.name for p in busy]


def run_dataset(ds: datasets.Dataset, args, mix_names: list[str], server_names: list[str], work: Path) -> list[dict]:
    print(f"\n== dataset {ds.name}: {ds.quads:,} quads ({ds.path})", flush=True)
    store = ox.Store()
    store.load(path=str(ds.path))
    params = mixes.discover(store)
    del store
    print(f"   parameters: {len(params.entities)} entities, {len(params.classes)} classes, words {params.words}", flush=True)
    peers = make_peers(server_names, ds.path, work / "logs" / ds.name, args.ours_cmd, args.ours_workers)
    blocks = []
    try:
        for peer in peers:
            t0 = time.monotonic()
            peer.start()
        for peer in peers:
            peer.wait_ready(args.startup_timeout)
            peer.load(ds.path)
            print(f"   {peer.name} ready at {peer.endpoint} ({time.monotonic() - t0:.1f}s after start)", flush=True)
        endpoints = {p.name: p.endpoint for p in peers}
        reference = "oxigraph" if "oxigraph" in endpoints else next(iter(endpoints))
        for mix in mix_names:
            requests = mixes.build(mix, params)
            settle(peers, ds.path, args.startup_timeout)
            checks = check.check_mix(requests, {p.name: p.endpoint for p in peers if p.checked}, reference)
            block = {
                "dataset": ds.name, "quads": ds.quads, "mix": mix, "requests": len({r.query for r in requests}),
                "templates": sorted({r.template for r in requests}),
                "wrong": {n: [c.template for c in checks if n in c.wrong] for n in endpoints},
                "unchecked": [p.name for p in peers if not p.checked],
                "differs": {n: [c.template for c in checks if n in c.differs] for n in endpoints},
                "duplicates": {n: [c.template for c in checks if n in c.duplicates] for n in endpoints},
                "notes": [c.notes for c in checks if c.notes],
                "servers": {},
            }
            for peer in peers:
                script = write_script(requests, peer.endpoint_path, work / "lua" / f"{ds.name}-{mix}-{peer.name}.lua",
                                      every_status=args.every_status)
                try:
                    block.setdefault("restarted", []).extend(settle(peers, ds.path, args.startup_timeout))
                    if args.warmup > 0:
                        run_wrk(peer.base, script, args.warmup, args.connections, args.threads)
                    settle(peers, ds.path, args.startup_timeout, limit=5.0)  # the warm-up's stragglers
                    res = run_wrk(peer.base, script, args.duration, args.connections, args.threads, peer.cpu_seconds)
                    block["servers"][peer.name] = res.as_dict()
                    if args.profile and peer.name.startswith("ours"):
                        from .profile import profile_under_load
                        block.setdefault("profile", {})[peer.name] = profile_under_load(
                            peer, script, args, work / "profiles" / f"{ds.name}-{mix}-{peer.name}")
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    block["servers"][peer.name] = {"error": str(e)}
            blocks.append(block)
            print(f"\n-- {ds.name} / {mix}: {block['requests']} distinct requests "
                  f"({', '.join(block['templates'])})", flush=True)
            print(report.text_table(report.COLUMNS, report.rows(block)), flush=True)
            for notes in block["notes"][:8]:
                for n in notes:
                    print(f"   note: {n}")
            for name, temps in block["duplicates"].items():
                if temps:
                    print(f"   note: {name} returns duplicate rows (a triple held in several graphs) for {sorted(set(temps))}")
            for name, temps in block["differs"].items():
                if temps:
                    print(f"   note: {name} returns the same row count but different rows than {reference} for {sorted(set(temps))}")
    finally:
        for peer in peers:
            peer.stop()
    return blocks


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
        "threads": args.threads, "duration": args.duration, "warmup": args.warmup, "scale": args.scale,
        "servers": server_names,
    }
    data = datasets.prepare([d.strip() for d in args.datasets.split(",") if d.strip()], work / "data", args.scale)
    blocks = []
    for ds in data:
        blocks += run_dataset(ds, args, mix_names, server_names, work)
    run = {"meta": meta, "blocks": blocks}
    js, md = report.write(args.results, run, stamp)
    # The targets are ours (as deployed: result cache on); ours-nocache shows what the engine path alone
    # reaches, i.e. the speed of requests the cache has not seen (the mixes repeat ≤ 72 distinct queries).
    for subject in ("ours-nocache", "ours"):
        lines = report.verdicts(blocks, subject)
        if lines:
            print(f"\n== targets ({subject})")
            for ok, sentence in lines:
                print(f"   {'met   ' if ok else 'MISSED'} {sentence}")
    verdicts = report.verdicts(blocks, "ours")
    print(f"\nwritten: {js}\n         {md}")
    return 0 if all(ok for ok, _ in verdicts) else 1
