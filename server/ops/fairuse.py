"""Fair use: per-client budgets of query time and concurrent queries, and a lane kept for cheap requests.

Like Wikidata's query service, each client (its address, or what a trusted proxy names: ``ops.front``)
gets

- a budget of **query seconds per minute** (``FAIR_QUERY_SECONDS``): the evaluation time of its queries
  in the last 60 s (a timed-out query counts its whole timeout); over it, 429 until enough of the
  minute has passed (``Retry-After`` says when);
- a number of **concurrent queries** (``FAIR_CONCURRENT_QUERIES``): one more is answered 429 at once.

Answers from the caches cost nothing and are never limited. Both counts are shared by every serving
process (a table in shared memory, made before granian forks its workers, under one lock), so a
client gets the same budget whichever process its connection lands on.

**The reserved lane.** Requests that are not heavy queries — pages, documents, ``/health``, and queries
the protocol layer deems cheap (ASK, a LIMIT of at most ``CHEAP_MAX_LIMIT``, DESCRIBE of IRIs) — must
never wait behind slow queries. Per serving process, heavy queries may hold at most ``threads -
RESERVED_THREADS`` request threads (another heavy query is answered 503 Busy at once rather than
queue on a thread), and at most ``max query workers - RESERVED_QUERY_WORKERS`` query processes (the
store's pool keeps the rest for the cheap lane). A cheap query that runs longer than
``CHEAP_QUERY_SECONDS`` leaves the lane under the heavy limits (so a slow ASK cannot clog the lane): it
takes a heavy thread and query process where it runs (``Ticket.upgrade``, ``QueryPool._promote``), or,
where the store cannot move it (in process, remote), is stopped and run again as a heavy query with the
time it has left; no heavy room: 503 Busy (or 429, the client's share).
"""
from __future__ import annotations

import hashlib
import mmap
import multiprocessing
import struct
import threading
import time

from ..problems import Problem

WINDOW = 60.0           # seconds the query-time budget looks back
BUCKET = 5.0            # the window is kept as 12 buckets of 5 s
BUCKETS = int(WINDOW / BUCKET)
SLOTS = 4096            # clients tracked at once (a stale client's slot is reused)
PROBES = 64
# A slot: client key (u64), running queries (i32), pad (i32), last touched (f64), bucket numbers (12 × i64),
# bucket seconds (12 × f64).
SLOT = struct.Struct(f"<QiId{BUCKETS}q{BUCKETS}d")


class Table:
    """Per-client counters in anonymous shared memory (inherited by forked processes), one lock."""

    def __init__(self, slots: int = SLOTS):
        self.slots = slots
        self.mem = mmap.mmap(-1, SLOT.size * slots)
        self.lock = multiprocessing.Lock()

    @staticmethod
    def key(client: str) -> int:
        return int.from_bytes(hashlib.blake2b(client.encode("utf-8", "replace"), digest_size=8).digest(), "little") or 1

    def _find(self, key: int, now: float, stale_after: float) -> int | None:
        start = key % self.slots
        free = None
        for i in range(PROBES):
            index = (start + i) % self.slots
            k, running, _, touched, *_ = SLOT.unpack_from(self.mem, index * SLOT.size)
            if k == key:
                return index
            if free is None and (k == 0 or (touched < now - max(WINDOW, stale_after))):
                free = index
        if free is not None:
            SLOT.pack_into(self.mem, free * SLOT.size, key, 0, 0, now, *([0] * BUCKETS), *([0.0] * BUCKETS))
        return free

    def read(self, index: int) -> list:
        return list(SLOT.unpack_from(self.mem, index * SLOT.size))

    def write(self, index: int, fields: list) -> None:
        SLOT.pack_into(self.mem, index * SLOT.size, *fields)


def _used(fields: list, now: float) -> tuple[float, list[tuple[int, float]]]:
    """Seconds used in the window, and (bucket number, seconds) of each bucket still in it."""
    current = int(now // BUCKET)
    numbers, seconds = fields[4:4 + BUCKETS], fields[4 + BUCKETS:]
    live = sorted((n, s) for n, s in zip(numbers, seconds) if n > current - BUCKETS and s > 0)
    return sum(s for _, s in live), live


class FairUse:
    """The admission of queries: ``enter(client, lane)`` gives a ticket or raises a 429/503 Problem."""

    def __init__(self, config):
        self.budget = float(config["FAIR_QUERY_SECONDS"])
        self.concurrent = int(config["FAIR_CONCURRENT_QUERIES"])
        self.retry_after = int(config["RETRY_AFTER"])
        self.stale_after = float(config["MAX_QUERY_TIMEOUT"]) + 30.0    # a count left by a killed process
        threads = int(config["THREADS"])
        self.heavy_threads = max(1, threads - int(config["RESERVED_THREADS"]))
        self.table = Table()
        self._local = threading.Lock()
        self._heavy = 0                 # heavy queries in this process (threads they hold)

    # -- the shared table --------------------------------------------------------------------------------
    @property
    def limited(self) -> bool:
        """Whether any per-client limit is on (off, the shared table is never touched: its lock, shared by
        every thread of every process, was a third of a point lookup's time under load, measured)."""
        return self.budget > 0 or self.concurrent > 0

    def _check_and_count(self, client: str, heavy: bool) -> None:
        if not self.limited:
            return
        now = time.time()
        with self.table.lock:
            index = self.table._find(Table.key(client), now, self.stale_after)
            if index is None:           # the table is full of active clients: admit (fail open)
                return
            fields = self.table.read(index)
            if fields[3] < now - self.stale_after:
                fields[1] = 0
            used, live = _used(fields, now)
            if self.budget > 0 and used >= self.budget:
                # When enough of the oldest buckets leave the window for the client to be under budget.
                freed, retry = used, WINDOW
                for number, seconds in live:
                    freed -= seconds
                    if freed < self.budget:
                        retry = (number + BUCKETS) * BUCKET - now
                        break
                retry = max(1, int(retry + 0.999))
                raise Problem(429, "Too Many Requests", f"client {client} has used {used:.1f} s of query time in "
                              f"the last {WINDOW:g} s; the limit is {self.budget:g} s per client per minute "
                              f"(fair use: --fair-query-seconds). Retry in {retry} s, make queries more "
                              "selective, or use the dumps (/dumps/) for bulk work.",
                              {"Retry-After": str(retry)}, limit="query-seconds-per-minute",
                              limit_value=self.budget, used=round(used, 3), client=client)
            if heavy and self.concurrent > 0 and fields[1] >= self.concurrent:
                raise Problem(429, "Too Many Requests", f"client {client} has {fields[1]} queries running; the "
                              f"limit is {self.concurrent} concurrent queries per client (fair use: "
                              "--fair-concurrent-queries). Wait for one to finish, then retry.",
                              {"Retry-After": str(self.retry_after)}, limit="concurrent-queries",
                              limit_value=self.concurrent, running=fields[1], client=client)
            if heavy:
                fields[1] += 1
            fields[3] = now
            self.table.write(index, fields)

    def _finish(self, client: str, heavy: bool, seconds: float) -> None:
        if not self.limited:
            return
        now = time.time()
        with self.table.lock:
            index = self.table._find(Table.key(client), now, self.stale_after)
            if index is None:
                return
            fields = self.table.read(index)
            if heavy:
                fields[1] = max(0, fields[1] - 1)
            fields[3] = now
            current = int(now // BUCKET)
            numbers, secs = fields[4:4 + BUCKETS], fields[4 + BUCKETS:]
            slot = current % BUCKETS
            if numbers[slot] != current:
                numbers[slot], secs[slot] = current, 0.0
            secs[slot] += max(0.0, seconds)
            self.table.write(index, fields[:4] + numbers + secs)

    # -- admission ---------------------------------------------------------------------------------------
    def enter(self, client: str, lane: str) -> "Ticket":
        heavy = lane == "heavy"
        if heavy:
            self._take_thread()
        try:
            self._check_and_count(client, heavy)
        except BaseException:
            if heavy:
                self._give_thread()
            raise
        return Ticket(self, client, heavy)

    def _take_thread(self) -> None:
        with self._local:
            if self._heavy >= self.heavy_threads:
                raise Problem(503, "Busy", f"{self._heavy} heavy queries are running in this server process, "
                              f"its share (the rest of its threads serve pages, documents and cheap queries); "
                              "retry shortly.", {"Retry-After": str(self.retry_after)}, limit="heavy-queries")
            self._heavy += 1

    def _give_thread(self) -> None:
        with self._local:
            self._heavy -= 1


class Ticket:
    """One admitted query: ``upgrade()`` moves a cheap one to the heavy lane; ``close(seconds)`` charges it."""

    def __init__(self, fair: FairUse, client: str, heavy: bool):
        self.fair, self.client, self.heavy, self.closed = fair, client, heavy, False
        self.charged = 0.0

    def charge(self, seconds: float) -> None:
        self.charged += seconds

    def upgrade(self) -> None:
        """The cheap query turned out slow: charge what it used so far and take a heavy place."""
        if self.heavy:
            return
        self.fair._finish(self.client, False, self.charged)
        self.charged = 0.0
        self.fair._take_thread()
        try:
            self.fair._check_and_count(self.client, True)
        except BaseException:
            self.fair._give_thread()
            self.closed = True
            raise
        self.heavy = True

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.fair._finish(self.client, self.heavy, self.charged)
        if self.heavy:
            self.fair._give_thread()
