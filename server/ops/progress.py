"""Progress bars for the long commands (build, validate, load): on a terminal only, and only once the
work has lasted a second; silent in pipes, CI logs and tests. tqdm draws them (one small dependency),
imported only when a bar may be drawn: its import (~40 ms, its version looked up through
``importlib.metadata``) was an eighth of ``cec-kg load``'s whole time on a small file."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tqdm import tqdm


class Silent:
    """What ``bar`` gives when nothing is drawn: the calls the commands make, doing nothing."""

    def __enter__(self) -> "Silent":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def update(self, n: float = 1) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass


def bar(desc: str, *, total: float | None = None, unit: str = "triples") -> "tqdm | Silent":
    """A bar on stderr counting ``unit`` (with its rate, and an ETA when ``total`` is known)."""
    if not sys.stderr.isatty():
        return Silent()
    from tqdm import tqdm

    return tqdm(desc=desc, total=total, unit=unit if unit == "B" else f" {unit}", unit_scale=True,
                unit_divisor=1024 if unit == "B" else 1000, delay=1.0, file=sys.stderr, dynamic_ncols=True)


def ticker(b: "tqdm | Silent"):
    """A ``progress(n)`` callback for ``b``: count ``n`` more, or redraw when ``n`` is 0 (a stage ended)."""
    return lambda n: b.update(n) if n else b.refresh()
