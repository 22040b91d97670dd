"""A bounded cache of serialised query results: least recently used first out, bounded by bytes.

The data is read-only while the server runs, so a result never goes stale; keys include the store's
content hash anyway, so a store that changes (a reload) never serves an old answer.

A result is kept from the second time its key is seen (``admit``, a "doorkeeper"; the replay layer also
keeps an answer that took long at its first, ``replay.EXPENSIVE_SECONDS``): a query asked once
(most of what a person types) costs no copy, no entry and no eviction, and does not push out the
results that are asked again and again (a crawler's, a dashboard's). The keys seen once are remembered
as hashes, in two generations of at most ``DOORKEEPER_KEYS`` each.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

DOORKEEPER_KEYS = 65536


class ResultCache:
    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes or max(1, max_bytes // 8)
        self._items: OrderedDict[str, tuple[int, object]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self._seen: set[int] = set()
        self._seen_before: set[int] = set()

    def admit(self, key) -> bool:
        """Whether a result for ``key`` should be kept: not the first time the key is seen."""
        if self.max_bytes <= 0:
            return False
        h = hash(key)
        if h in self._seen or h in self._seen_before:
            return True
        if len(self._seen) >= DOORKEEPER_KEYS:
            self._seen_before, self._seen = self._seen, set()
        self._seen.add(h)
        return False

    def get(self, key: str):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: str, value, size: int) -> None:
        if size > self.max_entry_bytes or self.max_bytes <= 0:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[0]
            self._items[key] = (size, value)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (s, _) = self._items.popitem(last=False)
                self._bytes -= s

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
