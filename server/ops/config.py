"""Default configuration; override with ``CEC_<NAME>`` environment variables or a mapping."""

# What to serve. DATA: None serves the CEC graph (validated, with entailments); else a list of RDF
# files or directories. STORE_DIR: keep the embedded store on disk. BACKEND: a remote SPARQL endpoint.
DATA = None
STORE_DIR = None
BACKEND = None
# Licence IRI of the served data. None: the CEC graph's own (data/LICENSE) when serving it, none at
# all for your own DATA (a user's data carries no licence of ours unless they state one).
LICENSE = None

# Public origin of the canonical IRIs (the server answers for them on whatever origin it runs).
BASE_IRI = "https://w3id.org/cec-kg/"

# Limits (announced in the service description).
QUERY_TIMEOUT = 10.0        # seconds, default per query
MAX_QUERY_TIMEOUT = 60.0    # a request's `timeout` parameter is capped at this
MAX_QUERY_BYTES = 64 * 1024
MAX_RESULT_ROWS = 100_000
MAX_NESTING = 64            # deepest { ( [ nesting accepted (a 5,000-deep query crashed Oxigraph server)

# The SPARQL endpoint's process model and caches (see server/store/executor.py, server/protocol/cache.py).
GRAPH_STORE = None          # Graph Store Protocol URL of BACKEND for `cec-kg load` (default: guessed)
QUERY_WORKERS = 2           # killable query processes kept warm per serving process
MAX_QUERY_WORKERS = 3       # at most this many per serving process (more requests wait, then 503); each
                            # holds the store's caches: 3 kept a 1M-triple store within 1.5 x its size + 300 MiB
QUERY_WORKER_MEMORY_MB = 48 # a query process that grew by more than this answers, exits and is replaced
START_QUERY_WORKERS = False # fork query workers at app creation (`cec-kg serve` does; tests may)
RESULT_CACHE_BYTES = 64 * 1024 * 1024   # LRU of serialised results, per serving process
FAST_PATH = True            # plain GET /sparql?query=… answered in front of Flask (server/protocol/fast.py)
CACHE_MAX_AGE = 300         # Cache-Control max-age (s) on GET results; revalidate with the ETag
RETRY_AFTER = 5             # seconds, sent with 503 (timeout, all workers busy)
