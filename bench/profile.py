"""Where our server's time goes: py-spy samples its process tree while wrk replays a mix.

``python -m bench --profile 8`` records every mix of ``ours`` and ``ours-nocache`` for 8 s after measuring it, keeps the
collapsed stacks (``*.folded``, loadable in speedscope or flamegraph.pl) and prints the functions that
hold the most samples, by self time and inclusive time. Native frames (Rust: granian, pyoxigraph)
are included where py-spy can unwind them.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from .load import run_wrk

PY_SPY = Path(sys.executable).parent / "py-spy"
RATE = 200


def summarise(folded: Path, top: int = 15) -> dict:
    """Top frames by self samples and by inclusive samples, as shares of all samples."""
    self_counts: Counter[str] = Counter()
    incl_counts: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        count = int(n)
        # py-spy --subprocesses prefixes the process chain; drop it to merge the workers' stacks.
        frames = [f for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames:
            continue
        total += count
        self_counts[frames[-1]] += count
        for f in set(frames):
            incl_counts[f] += count
    share = lambda c: [(f, round(100 * k / total, 1)) for f, k in c.most_common(top)] if total else []
    return {"samples": total, "self": share(self_counts), "inclusive": share(incl_counts)}


def profile_under_load(peer, script: Path, args, out_prefix: Path) -> dict:
    if not PY_SPY.exists() and not shutil.which("py-spy"):
        return {"error": "py-spy not installed (pip install -e '.[bench]')"}
    exe = str(PY_SPY) if PY_SPY.exists() else shutil.which("py-spy")
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    folded = out_prefix.with_suffix(".folded")
    seconds = args.profile
    # --gil: only the thread holding the GIL is sampled, i.e. where Python time goes; time in granian's
    # Rust threads and in the engine (GIL released) is the rest of the server's CPU time.
    cmd = [exe, "record", "--pid", str(peer.process.pid), "--subprocesses", "--gil", "--rate", str(RATE),
           "--duration", f"{int(seconds)}", "--format", "raw", "--output", str(folded)]
    spy = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    load = threading.Thread(target=run_wrk, args=(peer.base, script, seconds, args.connections, args.threads))
    load.start()
    load.join()
    try:
        output, _ = spy.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        spy.kill()
        output, _ = spy.communicate()
    if not folded.exists():
        return {"error": f"py-spy wrote nothing: {output.strip()[-300:]}"}
    summary = summarise(folded)
    summary["folded"] = str(folded)
    # Samples per second of wall time / rate = how many GILs were busy on average (one per process).
    summary["gil_busy"] = round(summary["samples"] / (RATE * seconds), 2)
    print(f"   profile of {peer.name}: {summary['samples']} samples with the GIL held "
          f"(~{summary['gil_busy']} GILs busy on average), {folded}")
    for f, pct in summary["self"][:8]:
        print(f"     self {pct:5.1f}%  {f}")
    for f, pct in summary["inclusive"][:25]:
        print(f"     incl {pct:5.1f}%  {f}")
    return summary
