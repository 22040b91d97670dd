"""Tables, targets and the files under ``bench/results/``."""
from __future__ import annotations

import json
from pathlib import Path

# (mix, minimum ratio to Oxigraph server, minimum ratio to rdflib-endpoint), from issue 3.
TARGETS = {
    "lookup": (1.0, 20.0),
    "interactive": (1.5, 20.0),
    "graph": (1.5, 20.0),
}
COLUMNS = ("server", "req/s", "p50 ms", "p99 ms", "errors", "wrong", "× oxigraph", "× rdflib-endpoint",
           "server CPU", "wrk CPU")


def _ratio(a: float | None, b: float | None) -> str:
    if a and b == 0:
        return "∞"  # the peer completed no request in the measured time
    return f"{a / b:.2f}" if a and b else "–"


def rows(block: dict) -> list[list[str]]:
    """One table's rows: a mix on a dataset, one row per server."""
    results = block["servers"]
    ox = results.get("oxigraph", {}).get("rps")
    rl = results.get("rdflib-endpoint", {}).get("rps")
    out = []
    for name, r in results.items():
        if "error" in r:
            out.append([name, "failed: " + r["error"][:60]] + [""] * (len(COLUMNS) - 2))
            continue
        out.append([
            name, f"{r['rps']:,.0f}" if r["rps"] >= 10 else f"{r['rps']:.1f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", str(r["errors"]),
            str(len(block["wrong"].get(name, []))), _ratio(r["rps"], ox), _ratio(r["rps"], rl),
            f"{100 * r['server_cpu_s'] / r['seconds']:.0f}%", f"{100 * r['client_cpu_s'] / r['seconds']:.0f}%",
        ])
    return out


def text_table(header: list[str] | tuple, body: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    fmt = lambda row: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in body])


def markdown_table(header, body) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def verdicts(blocks: list[dict], subject: str = "ours") -> list[tuple[bool, str]]:
    """Each target, for each dataset and mix: (met, sentence)."""
    out = []
    for b in blocks:
        res = b["servers"]
        mine = res.get(subject)
        if not mine or "error" in mine:
            continue
        where = f"{b['dataset']} / {b['mix']}"
        want_ox, want_rl = TARGETS[b["mix"]]
        for peer, want in (("oxigraph", want_ox), ("rdflib-endpoint", want_rl)):
            other = res.get(peer, {}).get("rps")
            if other:
                got = mine["rps"] / other
                out.append((got >= want, f"{where}: {got:.2f}× {peer} (target ≥ {want:g}×)"))
            elif other == 0 and mine["rps"] > 0:
                out.append((True, f"{where}: {peer} completed no request in {res[peer]['seconds']:g} s "
                                  f"(ours {mine['rps']:,.0f}/s; target ≥ {want:g}×)"))
        out.append((mine["errors"] == 0, f"{where}: {mine['errors']} errors under load (target 0)"))
        wrong = b["wrong"].get(subject, [])
        out.append((not wrong, f"{where}: {len(wrong)} wrong answers (target 0)"))
    return out


def write(results_dir: Path, run: dict, stamp: str) -> tuple[Path, Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    js = results_dir / f"bench-{stamp}.json"
    md = results_dir / f"bench-{stamp}.md"
    js.write_text(json.dumps(run, indent=2), encoding="utf-8")
    md.write_text(markdown(run), encoding="utf-8")
    for src, name in ((js, "latest.json"), (md, "latest.md")):
        (results_dir / name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    return js, md


def markdown(run: dict) -> str:
    m = run["meta"]
    parts = [f"# Benchmark {m['started']}", "",
             f"commit `{m['commit']}`, {m['cpus']} CPUs, load average at start {m['loadavg']}; "
             f"concurrency {m['connections']} (wrk, {m['threads']} threads, keep-alive), "
             f"{m['duration']} s measured after {m['warmup']} s warm-up per server and mix.", ""]
    for b in run["blocks"]:
        parts += [f"## {b['dataset']} ({b['quads']:,} quads) / {b['mix']} ({b['requests']} distinct requests)", "",
                  markdown_table(COLUMNS, rows(b)), ""]
        notes = [n for c in b.get("notes", []) for n in c]
        if notes:
            parts += ["Notes:", ""] + [f"- {n}" for n in notes[:20]] + [""]
    for subject in ("ours", "ours-nocache"):
        lines = verdicts(run["blocks"], subject)
        if lines:
            parts += [f"## Targets ({subject})", ""] + [f"- {'met' if ok else 'MISSED'}: {s}" for ok, s in lines] + [""]
    return "\n".join(parts) + "\n"
