"""Progress bars for the long commands (build, validate, load): on a terminal only, and only once the
work has lasted a second; silent in pipes, CI logs and tests. tqdm draws them (one small dependency)."""
from __future__ import annotations

import sys

from tqdm import tqdm


def bar(desc: str, *, total: float | None = None, unit: str = "triples") -> tqdm:
    """A bar on stderr counting ``unit`` (with its rate, and an ETA when ``total`` is known)."""
    return tqdm(desc=desc, total=total, unit=unit if unit == "B" else f" {unit}", unit_scale=True, unit_divisor=1024 if unit == "B" else 1000,
                delay=1.0, disable=not sys.stderr.isatty(), file=sys.stderr, dynamic_ncols=True)


def ticker(b: tqdm):
    """A ``progress(n)`` callback for ``b``: count ``n`` more, or redraw when ``n`` is 0 (a stage ended)."""
    return lambda n: b.update(n) if n else b.refresh()
