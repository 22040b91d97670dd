"""Tables, targets, the chart and the files under ``bench/results/``.

The verdicts judge ``ours`` on unseen requests (every request's text distinct: no cache can help),
against each peer measured in the same run: a ratio of requests/s, zero errors, zero wrong answers.
A target against a peer that failed or completed no request cannot be judged, and is not met.
Replayed requests (the result caches at work) are reported apart, without a target.
"""
from __future__ import annotations

import json
from pathlib import Path

SUBJECT = "ours"
# pyoxigraph behind a bare WSGI callable, served as ours (bench/ceiling.py): the most a Python front over
# our engine gives. Its ratio to Oxigraph is in the summary beside ours: a target above it is out of reach
# of any trimming of our own layers.
CEILING = "ceiling-engine"
# mix -> minimum ratio of our requests/s to each peer's, unseen requests (issue 11; rdflib: issue 3).
TARGETS = {
    "lookup": {"oxigraph": 0.6, "rdflib-endpoint": 20.0},
    "interactive": {"oxigraph": 1.0, "rdflib-endpoint": 20.0},
    "graph": {"oxigraph": 1.0, "rdflib-endpoint": 20.0},
    "analytic": {"oxigraph": 1.0},
}
# Remote stores (issue 11, item 4): ours in front of a backend (``cec-kg serve --backend``) against the same
# backend queried directly, same run: our p50 at most this many times the backend's.
BACKEND_PAIRS = {"ours-over-oxigraph": "oxigraph-backend", "ours-over-virtuoso": "virtuoso"}
BACKEND_P50_TARGET = 1.15
# Memory of a server with a store on disk: at most this many times the store's size plus this many bytes.
MEMORY_TARGET = (1.5, 300 * 2**20)
COLUMNS = ("server", "req/s", "p50 ms", "p99 ms", "errors", "wrong", "× oxigraph", "× oxigraph-merged",
           "× rdflib-endpoint", "server CPU", "wrk CPU")


def _ratio(a: float | None, b: float | None) -> str:
    if a and b == 0:
        return "∞ (peer: 0 req)"
    return f"{a / b:.2f}" if a and b else "–"


def rows(block: dict) -> list[list[str]]:
    """One table's rows: a mix on a dataset, one row per server."""
    results = block["servers"]
    peers = {p: results.get(p, {}).get("rps") for p in ("oxigraph", "oxigraph-merged", "rdflib-endpoint")}
    out = []
    for name, r in results.items():
        if "error" in r:
            out.append([name, "failed: " + r["error"][:60]] + [""] * (len(COLUMNS) - 2))
            continue
        wrong = len(block.get("wrong", {}).get(name, [])) + len(block.get("duplicates", {}).get(name, []))
        out.append([
            name, f"{r['rps']:,.0f}" if r["rps"] >= 10 else f"{r['rps']:.1f}", f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}", str(r["errors"]), str(wrong) if block.get("checked", True) else "–",
            *(_ratio(r["rps"], peers[p]) for p in peers),
            f"{100 * r['server_cpu_s'] / r['seconds']:.0f}%", f"{100 * r['client_cpu_s'] / r['seconds']:.0f}%",
        ])
    return out


def text_table(header: list[str] | tuple, body: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    fmt = lambda row: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in body])


def markdown_table(header, body) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in body]
    return "\n".join(lines)


def backend_verdicts(b: dict) -> list[tuple[bool, str]]:
    """Ours over each backend in an unseen block: p50 within the target of the backend's own, no errors,
    the backend's own answers (what the backend answers differently from the reference is its notes)."""
    out = []
    res, where = b["servers"], f"{b['dataset']} / {b['mix']}"
    for client, backend in BACKEND_PAIRS.items():
        mine, other = res.get(client), res.get(backend)
        if mine is None:
            continue
        if "error" in mine:
            out.append((False, f"{where}: {client} failed: {mine['error'][:120]}"))
            continue
        if other is None or "error" in other or not other.get("rps"):
            why = (other or {}).get("error", "")[:80] or "it completed no request"
            out.append((False, f"{where}: {client} ÷ {backend} p50 cannot be judged: {why} "
                               f"(target ≤ {BACKEND_P50_TARGET:g}×)"))
            continue
        got = mine["p50_ms"] / other["p50_ms"] if other["p50_ms"] else float("inf")
        out.append((got <= BACKEND_P50_TARGET,
                    f"{where}: {client} p50 {got:.2f}× {backend} ({mine['p50_ms']:.2f} vs {other['p50_ms']:.2f} ms; "
                    f"{mine['rps']:,.0f} vs {other['rps']:,.0f} req/s, {mine['rps'] / other['rps']:.2f}×; "
                    f"target ≤ {BACKEND_P50_TARGET:g}× p50)"))
        out.append((mine["errors"] == 0, f"{where}: {client}: {mine['errors']} errors under load (target 0)"))
        differs = b.get("differs_from_backend", {}).get(client, [])
        out.append((not differs, f"{where}: {client}: {len(differs)} answers of {b['requests']} differ from "
                                 f"{backend}'s own (target 0)" + (f": {sorted(set(differs))}" if differs else "")))
    return out


def verdicts(run: dict, subject: str = SUBJECT) -> list[tuple[bool, str]]:
    """Each target, for each dataset and mix of unseen requests, and the load/memory targets: (met, sentence)."""
    out = []
    for b in run["blocks"]:
        if b.get("mode", "unseen") != "unseen":
            continue
        out += backend_verdicts(b)
        res = b["servers"]
        mine = res.get(subject)
        if mine is None:
            continue
        where = f"{b['dataset']} / {b['mix']}"
        if "error" in mine:
            out.append((False, f"{where}: {subject} failed: {mine['error'][:120]}"))
            continue
        for peer, want in TARGETS.get(b["mix"], {}).items():
            if peer not in res:
                continue
            other = res[peer]
            if "error" in other or not other.get("rps"):
                why = other.get("error", "")[:80] or f"it completed no request in {other.get('seconds', 0):g} s"
                out.append((False, f"{where}: × {peer} cannot be judged: {why} (target ≥ {want:g}×)"))
                continue
            got = mine["rps"] / other["rps"]
            out.append((got >= want, f"{where}: {got:.2f}× {peer} ({mine['rps']:,.0f} vs {other['rps']:,.0f} req/s; "
                                     f"target ≥ {want:g}×)"))
        out.append((mine["errors"] == 0, f"{where}: {mine['errors']} errors under load (target 0)"))
        wrong = b["wrong"].get(subject, []) + b.get("duplicates", {}).get(subject, [])
        out.append((not wrong, f"{where}: {len(wrong)} wrong answers of {b['requests']} checked (target 0)"
                               + (f": {sorted(set(wrong))}" if wrong else "")))
    for ds in run.get("datasets", []):
        for name, why in ds.get("not_run", {}).items():     # a remote-store peer that could not run here
            out.append((False, f"{ds['name']}: {name} not run, its target cannot be judged: {why[:160]}"))
        systems = ds.get("systems", {})
        mine, ox = systems.get(subject, {}), systems.get("oxigraph", {})
        if mine.get("load_s") is not None and ox.get("load_s"):
            out.append((mine["load_s"] <= ox["load_s"], f"{ds['name']}: load {mine['load_s']:.1f} s vs oxigraph load "
                                                         f"{ox['load_s']:.1f} s (target: no slower)"))
        if mine.get("store_bytes") and mine.get("memory_peak"):
            factor, extra = MEMORY_TARGET
            limit = factor * mine["store_bytes"] + extra
            out.append((mine["memory_peak"] <= limit,
                        f"{ds['name']}: memory {mine['memory_peak'] / 2**20:,.0f} MiB (PSS, every process) vs "
                        f"{factor:g} × store {mine['store_bytes'] / 2**20:,.0f} MiB + {extra / 2**20:.0f} MiB = "
                        f"{limit / 2**20:,.0f} MiB"))
    return out


def write(results_dir: Path, run: dict, stamp: str, latest: str = "latest") -> tuple[Path, Path]:
    """``bench-<stamp>.json`` / ``.md`` (``backend-<stamp>`` for a remote-store run), copied to ``latest``.*."""
    results_dir.mkdir(parents=True, exist_ok=True)
    prefix = "bench" if latest == "latest" else latest.removesuffix("-latest")
    js = results_dir / f"{prefix}-{stamp}.json"
    md = results_dir / f"{prefix}-{stamp}.md"
    js.write_text(json.dumps(run, indent=2), encoding="utf-8")
    md.write_text(markdown(run), encoding="utf-8")
    for src, name in ((js, f"{latest}.json"), (md, f"{latest}.md")):
        (results_dir / name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    try:
        chart(run, results_dir / f"{latest}.png")
    except ImportError:
        print("   (no chart: matplotlib is missing; pip install -e '.[bench]')")
    return js, md


def summary(run: dict, subject: str = SUBJECT) -> list[list[str]]:
    """One row per dataset and mix: our unseen requests/s, each peer's, the ratios; replay apart."""
    replay = {(b["dataset"], b["mix"]): b for b in run["blocks"] if b.get("mode") == "replay"}
    out = []
    for b in run["blocks"]:
        if b.get("mode", "unseen") != "unseen":
            continue
        res = b["servers"]
        mine = res.get(subject, {})
        ox = res.get("oxigraph", {})
        rep = replay.get((b["dataset"], b["mix"]), {}).get("servers", {})
        want = TARGETS.get(b["mix"], {}).get("oxigraph")
        ratio = mine.get("rps", 0) / ox["rps"] if ox.get("rps") else None
        out.append([b["dataset"], b["mix"], f"{mine.get('rps', 0):,.0f}", f"{ox.get('rps', 0):,.0f}",
                    f"{ratio:.2f}" if ratio is not None else "–", _ratio(res.get(CEILING, {}).get("rps"), ox.get("rps")),
                    f"≥ {want:g}" if want else "–",
                    ("met" if ratio >= want else "MISSED") if ratio is not None and want else "–",
                    f"{mine.get('p50_ms', 0):.1f} / {mine.get('p99_ms', 0):.1f}",
                    f"{ox.get('p50_ms', 0):.1f} / {ox.get('p99_ms', 0):.1f}",
                    _ratio(rep.get(subject, {}).get("rps"), rep.get("oxigraph", {}).get("rps")) if rep else "–"])
    return out


def backend_summary(run: dict) -> list[list[str]]:
    """One row per dataset, mix and remote store: ours over it against it queried directly (unseen)."""
    out = []
    for b in run["blocks"]:
        if b.get("mode", "unseen") != "unseen":
            continue
        res = b["servers"]
        for client, backend in BACKEND_PAIRS.items():
            mine, other = res.get(client), res.get(backend)
            if not mine or not other:
                continue
            if "error" in mine or "error" in other or not other.get("p50_ms") or not other.get("rps"):
                out.append([b["dataset"], b["mix"], backend, "failed" if "error" in mine else "", "failed" if "error" in other else "",
                            "–", "", "", "–", "", "", f"≤ {BACKEND_P50_TARGET:g}", "MISSED"])
                continue
            p50 = mine["p50_ms"] / other["p50_ms"]
            # CPU per request: ours (its process tree) and the backend's, while ours was measured; the
            # backend's alone, queried directly.
            per = lambda cpu, r: f"{1000 * cpu / r['requests']:.2f}" if r.get("requests") and cpu is not None else "–"
            out.append([b["dataset"], b["mix"], backend, f"{mine['p50_ms']:.2f}", f"{other['p50_ms']:.2f}",
                        f"{p50:.2f}", f"{mine['rps']:,.0f}", f"{other['rps']:,.0f}", f"{mine['rps'] / other['rps']:.2f}",
                        f"{per(mine['server_cpu_s'], mine)} + {per(mine.get('backend_cpu_s'), mine)}",
                        per(other["server_cpu_s"], other),
                        f"≤ {BACKEND_P50_TARGET:g}", "met" if p50 <= BACKEND_P50_TARGET else "MISSED"])
    return out


BACKEND_COLUMNS = ("dataset", "mix", "backend", "ours-over p50 ms", "direct p50 ms", "p50 ×", "ours-over req/s",
                   "direct req/s", "req/s ×", "CPU ms/req ours + backend", "CPU ms/req direct", "target", "")


SUMMARY_COLUMNS = ("dataset", "mix", "ours req/s", "oxigraph req/s", "× oxigraph", f"{CEILING} × oxigraph", "target",
                   "", "ours p50/p99 ms", "oxigraph p50/p99 ms", "replay × oxigraph")


def _memory_too(meta: dict) -> str:
    names = meta.get("memory_datasets") or []
    if not names:
        return ""
    return (f"; {', '.join(names)}: the same data again with both systems in memory (ours `cec-kg serve --data`, "
            "Oxigraph `serve` loaded over HTTP)")


def markdown(run: dict) -> str:
    m = run["meta"]
    parts = [f"# Benchmark {m['started']}", "",
             f"commit `{m['commit']}`, {m['cpus']} CPUs, load average at start {m['loadavg']} (the machine is shared: "
             f"compare ratios within this run); concurrency {m['connections']} (wrk, {m['threads']} threads, keep-alive; "
             f"analytic {m.get('analytic_connections', m['connections'])}), {m['rounds']} rounds of "
             f"{m['duration'] / m['rounds']:g} s per server and mix, servers alternating, after {m['warmup']} s warm-up; "
             f"storage: {m['storage']}{_memory_too(m)}. Unseen requests: every request's text distinct (a comment with a counter), "
             "so no cache can replay it. Replay: the mix's few distinct texts repeated (caches at work), reported apart.",
             ""]
    if any(b["servers"].get(SUBJECT) for b in run["blocks"]):
        parts += ["## Summary (unseen requests)", ""]
        if any(b["servers"].get(CEILING) for b in run["blocks"]):
            parts += [f"`{CEILING}` is pyoxigraph, our engine, behind a bare WSGI callable on granian, served as "
                      "ours is (2 workers × 10 threads) and from the same data, with nothing of ours: no guard, "
                      "timeout, row cap, cache or search index (`bench/ceiling.py`). Its ratio is the most a "
                      "Python front over this engine gives on this machine: a target above it cannot be met by "
                      "trimming our layers.", ""]
        parts += [markdown_table(SUMMARY_COLUMNS, summary(run)), ""]
    backend_rows = backend_summary(run)
    if backend_rows:
        parts += ["## Remote stores: ours over a backend vs the backend queried directly (unseen requests)", "",
                  "`ours-over-X` is `cec-kg serve --backend` in front of X; X is queried directly on its own endpoint. "
                  f"Target (issue 11): our p50 ≤ {BACKEND_P50_TARGET:g}× the backend's. CPU ms/req: CPU time per "
                  "request of our process tree + the backend's while ours was measured, and of the backend queried "
                  "directly (the machine's 2 cores are shared by wrk, ours and the backend: CPU is what the "
                  "latency is made of under load). Answers of ours over X are judged against X's own answers; "
                  "X's differences from the reference answer are X's notes.", "",
                  markdown_table(BACKEND_COLUMNS, backend_rows), ""]
    not_run = [(ds["name"], n, why) for ds in run.get("datasets", []) for n, why in ds.get("not_run", {}).items()]
    if not_run:
        parts += ["## Not run", ""] + [f"- {d}: {n}: {why}" for d, n, why in not_run] + [""]
    if run.get("datasets"):
        head = ("dataset", "triples", "system", "load s", "optimize s", "store MiB", "ready s", "search index s",
                "memory MiB (PSS)")
        body = []
        for ds in run["datasets"]:
            for name, s in ds.get("systems", {}).items():
                body.append([ds["name"], f"{ds['triples']:,}", name, _num(s.get("load_s")), _num(s.get("optimize_s")),
                             _num(s.get("store_bytes"), 2**20), _num(s.get("ready_s")), _num(s.get("search_index_s")),
                             _num(s.get("memory_peak"), 2**20)])
        parts += ["## Load, open and memory", "", markdown_table(head, body), ""]
    for b in run["blocks"]:
        title = f"{b['dataset']} ({b['triples']:,} triples) / {b['mix']} / {b.get('mode', 'unseen')}"
        parts += [f"## {title} ({b['requests']} distinct templates × parameters)", "",
                  markdown_table(COLUMNS, rows(b)), ""]
        notes = [n for c in b.get("notes", []) for n in c]
        if notes:
            parts += ["Notes:", ""] + [f"- {n}" for n in notes[:12]] + [""]
    lines = verdicts(run)
    if lines:
        parts += ["## Targets (unseen requests)", ""] + [f"- {'met' if ok else 'MISSED'}: {s}" for ok, s in lines] + [""]
    return "\n".join(parts) + "\n"


def _num(value, unit: float = 1) -> str:
    if value is None:
        return "–"
    v = value / unit
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


def chart(run: dict, target: Path) -> None:
    """Ratio of our requests/s to Oxigraph server's, per dataset and mix (unseen), with each target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = [b for b in run["blocks"] if b.get("mode", "unseen") == "unseen"
              and b["servers"].get("oxigraph", {}).get("rps") and b["servers"].get(SUBJECT, {}).get("rps")]
    if not blocks:
        backend_chart(run, target)
        return
    mixes = list(dict.fromkeys(b["mix"] for b in blocks))
    datasets = list(dict.fromkeys(b["dataset"] for b in blocks))
    fig, ax = plt.subplots(figsize=(2 + 1.6 * len(mixes) * max(1, len(datasets)) / 2, 4.2), dpi=110)
    width = 0.8 / len(datasets)
    ceilings: list[tuple[float, float]] = []
    for i, ds in enumerate(datasets):
        xs, ys = [], []
        for j, mix in enumerate(mixes):
            b = next((b for b in blocks if b["dataset"] == ds and b["mix"] == mix), None)
            if b:
                xs.append(j + (i - (len(datasets) - 1) / 2) * width)
                ys.append(b["servers"][SUBJECT]["rps"] / b["servers"]["oxigraph"]["rps"])
                if b["servers"].get(CEILING, {}).get("rps"):
                    ceilings.append((xs[-1], b["servers"][CEILING]["rps"] / b["servers"]["oxigraph"]["rps"]))
        bars = ax.bar(xs, ys, width * 0.95, label=ds)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    if ceilings:
        ax.scatter(*zip(*ceilings), marker="_", s=260, linewidths=2, color="black", zorder=3,
                   label=f"{CEILING} (pyoxigraph, bare WSGI)")
    for j, mix in enumerate(mixes):
        want = TARGETS.get(mix, {}).get("oxigraph")
        if want:
            ax.hlines(want, j - 0.45, j + 0.45, colors="black", linestyles="dashed", linewidth=1)
    ax.axhline(1.0, color="grey", linewidth=0.6)
    ax.set_xticks(range(len(mixes)), mixes)
    ax.set_ylabel("requests/s: ours ÷ Oxigraph server")
    ax.set_title(f"Unseen queries, same run ({run['meta']['started']}); dashed: targets"
                 + ("; black bars: the thinnest Python front over our engine" if ceilings else ""), fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(target)
    plt.close(fig)


def backend_chart(run: dict, target: Path) -> None:
    """p50 of ours over each backend ÷ the backend's own, per dataset and mix (unseen), with the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = {}   # (dataset, backend) -> {mix: ratio}
    for b in run["blocks"]:
        if b.get("mode", "unseen") != "unseen":
            continue
        for client, backend in BACKEND_PAIRS.items():
            mine, other = b["servers"].get(client, {}), b["servers"].get(backend, {})
            if mine.get("p50_ms") and other.get("p50_ms"):
                bars.setdefault((b["dataset"], backend), {})[b["mix"]] = mine["p50_ms"] / other["p50_ms"]
    if not bars:
        return
    mixes = list(dict.fromkeys(m for v in bars.values() for m in v))
    fig, ax = plt.subplots(figsize=(2 + 1.2 * len(mixes) * len(bars) / 2, 4.2), dpi=110)
    width = 0.8 / len(bars)
    for i, ((ds, backend), ratios) in enumerate(bars.items()):
        xs = [j + (i - (len(bars) - 1) / 2) * width for j, m in enumerate(mixes) if m in ratios]
        drawn = ax.bar(xs, [ratios[m] for m in mixes if m in ratios], width * 0.95, label=f"{ds}, {backend}")
        ax.bar_label(drawn, fmt="%.2f", fontsize=7)
    ax.axhline(BACKEND_P50_TARGET, color="black", linestyle="dashed", linewidth=1)
    ax.axhline(1.0, color="grey", linewidth=0.6)
    ax.set_xticks(range(len(mixes)), mixes)
    ax.set_ylabel("p50: ours over the backend ÷ the backend direct")
    ax.set_title(f"Remote stores, unseen queries, same run ({run['meta']['started']}); dashed: target", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(target)
    plt.close(fig)
