"""``/health`` (is the store reachable, how big, which version of the data) and ``/metrics``.

Metrics are per serving process (each granian worker keeps its own; the ``pid`` label tells them
apart): requests by endpoint and status, a latency histogram, the result cache and the query workers,
in the Prometheus text format.
"""
from __future__ import annotations

import gc
import os
import threading
import time
from bisect import bisect_left
from collections import defaultdict

from flask import Blueprint, Response, current_app, g, jsonify, request

from ..store import get_store, search_state

bp = Blueprint("health", __name__)

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = defaultdict(int)                  # (endpoint, method, status) -> count
        self.buckets = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.sums = defaultdict(float)
        self.counts = defaultdict(int)
        self.cache = defaultdict(int)                     # hit / miss / revalidated
        self.started = time.time()

    def observe(self, endpoint: str, method: str, status: int, seconds: float, cache: str | None) -> None:
        with self.lock:
            self.requests[(endpoint, method, status)] += 1
            self.buckets[endpoint][bisect_left(BUCKETS, seconds)] += 1     # the first bucket with le >= seconds
            self.sums[endpoint] += seconds
            self.counts[endpoint] += 1
            if cache:
                self.cache[cache] += 1

    def render(self, extra: dict[str, float]) -> str:
        pid = os.getpid()
        out = ["# HELP cec_kg_requests_total HTTP requests answered, by endpoint, method and status.",
               "# TYPE cec_kg_requests_total counter"]
        with self.lock:
            for (ep, method, status), n in sorted(self.requests.items()):
                out.append(f'cec_kg_requests_total{{pid="{pid}",endpoint="{ep}",method="{method}",status="{status}"}} {n}')
            out += ["# HELP cec_kg_request_seconds Request latency, by endpoint.",
                    "# TYPE cec_kg_request_seconds histogram"]
            for ep, b in sorted(self.buckets.items()):
                acc = 0
                for le, n in zip(BUCKETS, b):
                    acc += n
                    out.append(f'cec_kg_request_seconds_bucket{{pid="{pid}",endpoint="{ep}",le="{le}"}} {acc}')
                out.append(f'cec_kg_request_seconds_bucket{{pid="{pid}",endpoint="{ep}",le="+Inf"}} {self.counts[ep]}')
                out.append(f'cec_kg_request_seconds_sum{{pid="{pid}",endpoint="{ep}"}} {self.sums[ep]:.6f}')
                out.append(f'cec_kg_request_seconds_count{{pid="{pid}",endpoint="{ep}"}} {self.counts[ep]}')
            out += ["# HELP cec_kg_result_cache_total Result cache lookups by outcome.",
                    "# TYPE cec_kg_result_cache_total counter"]
            for outcome, n in sorted(self.cache.items()):
                out.append(f'cec_kg_result_cache_total{{pid="{pid}",outcome="{outcome}"}} {n}')
        for name, value in sorted(extra.items()):
            out.append(f"# TYPE cec_kg_{name} gauge")
            out.append(f'cec_kg_{name}{{pid="{pid}"}} {value}')
        return "\n".join(out) + "\n"


def metrics() -> Metrics:
    return current_app.extensions["cec_kg.metrics"]


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["cec_kg.metrics"] = Metrics()


@bp.before_app_request
def _start_timer() -> None:
    g.request_started = time.perf_counter()


@bp.after_app_request
def _record(resp):
    started = g.get("request_started")
    if started is not None:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics().observe(endpoint, request.method, resp.status_code, time.perf_counter() - started,
                          g.get("sparql_cache"))
    return resp


HEALTH_TIMEOUT = 2.0     # seconds the backend gets to answer /health's ASK {}


@bp.route("/health")
def health():
    """``ok``; ``degraded`` (200: a remote backend is down or failing, our own pages, documents and
    /health still answer what they can, queries get 502/503 with Retry-After, and it recovers on
    its own); ``unavailable`` (503: this service cannot evaluate queries until it is restarted).
    ``search_index`` says whether the search index is ``ready``, ``building`` (a new on-disk store,
    in the background: only /search waits) or ``failed`` (only /search answers 503)."""
    store = get_store()
    degraded = False
    try:
        store.ping(HEALTH_TIMEOUT)      # the backend answers
        sizes = current_app.extensions.setdefault("cec_kg.sizes", {})
        size = sizes.get(store.content_hash())
        if size is None:
            size = sizes[store.content_hash()] = store.size()
        ok = True
    except Exception as e:  # noqa: BLE001 - a health check reports any backend failure, never raises
        size, ok, error = None, False, f"{type(e).__name__}: {e}"
        degraded = store.kind == "remote"
    status = "ok" if ok else "degraded" if degraded else "unavailable"
    body = {"status": status, "backend": store.kind, "triples": size, "pid": os.getpid()}
    if ok:
        body["content_hash"] = store.content_hash()
    else:
        body["error"] = error
        ok = degraded       # 200: restarting this service would not bring the backend back
    body["search_index"] = search_state()      # building or failed: /search answers 503, nothing else is affected
    pool = getattr(store, "pool", None)
    if pool is not None:
        spawner = pool.alive()
        body["query_workers"] = {"warm": pool.size, "max": pool.max_size, "network_isolated": pool.isolated,
                                 "spawner_pid": pool.zygote_pid, "spawner": "running" if spawner else "gone",
                                 "spawner_restarts": pool.restarts}
        if not spawner:     # no query can be evaluated once the idle workers end: restart the service
            ok = False
            body.update(status="unavailable", error="the process that starts query workers has ended")
    resp = jsonify(body)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/metrics")
def metrics_view():
    store = get_store()
    extra = {"uptime_seconds": round(time.time() - metrics().started, 3),
             "gc_frozen_objects": gc.get_freeze_count()}    # kept out of collections at start-up (serve)
    cache = current_app.extensions.get("cec_kg.result_cache")
    if cache is not None:
        extra.update(result_cache_bytes=cache.bytes, result_cache_entries=len(cache))
    fast = current_app.extensions.get("cec_kg.fast_path")
    if fast is not None:
        extra["fast_path_answered_total"] = fast.answered     # plain GETs answered in front of Flask
    replay = current_app.extensions.get("cec_kg.replay_cache")
    if replay is not None:
        extra.update(replayed_responses_total=replay.replayed, replay_cache_bytes=replay.cache.bytes)
    pool = getattr(store, "pool", None)
    if pool is not None:
        extra.update({f"query_workers_{k}": v for k, v in pool.stats.items()})
    if hasattr(store, "in_process"):
        extra["queries_in_process_total"] = store.in_process    # proven bounded: no worker needed
    resp = Response(metrics().render(extra), content_type="text/plain; version=0.0.4; charset=utf-8")
    resp.headers["Cache-Control"] = "no-store"
    return resp
