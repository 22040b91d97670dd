"""Issue 12's soak, in the suite: 60 s of mixed traffic from 32 clients against a real ``cec-kg serve``
of the CEC graph (``bench/soak.py``; loopback only, bounded). Holds: no error of any kind (every answer
the status its request expects, no socket error, no timeout) and the server's memory stable within
10 % between the first and last third of the run after its warm-up. The figures (requests, p50/p99 per
kind, memory samples) are printed: ``pytest -s tests/test_soak.py`` shows them.
"""
from __future__ import annotations

import pytest

from bench import soak
from conftest import free_port

pytestmark = pytest.mark.live


def test_sixty_seconds_of_mixed_traffic_at_32_clients(capsys):
    status = soak.main(["--seconds", "60", "--clients", "32", "--port", str(free_port())])
    report = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + report)
    assert "soak: 32 clients" in report, report
    assert status == 0, report
