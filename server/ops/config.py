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
MAX_RESULT_BYTES = 32 * 1024 * 1024     # a result document's size at most (cut at a row, announced; 0: none)
MAX_NESTING = 64            # deepest { ( [ nesting accepted (a 5,000-deep query crashed Oxigraph server)

# The SPARQL endpoint's process model and caches (see server/store/executor.py, server/protocol/cache.py).
GRAPH_STORE = None          # Graph Store Protocol URL of BACKEND for `cec-kg load` (default: guessed)
QUERY_WORKERS = 2           # killable query processes kept warm per serving process
MAX_QUERY_WORKERS = 3       # at most this many per serving process (more requests wait, then 503); each
                            # opens the store with caches of its own (~65 MiB at 1M triples): 4 measured
                            # ~60-110 MiB more PSS after the bench mixes, no more throughput on 2 cores
QUERY_WORKER_MEMORY_MB = 128  # a query process that grew by more than this answers, exits and is replaced
START_QUERY_WORKERS = False # fork query workers at app creation (`cec-kg serve` does; tests may)
RESULT_CACHE_BYTES = 64 * 1024 * 1024   # LRU of serialised results, per serving process
FAST_PATH = True            # plain GET /sparql?query=… answered in front of Flask (server/protocol/fast.py)
CACHE_MAX_AGE = 300         # Cache-Control max-age (s) on GET results; revalidate with the ETag
RETRY_AFTER = 5             # seconds, sent with 503 (timeout, all workers busy)
THREADS = 8                 # request threads per serving process (`cec-kg serve --threads`)

# Fair use (server/ops/fairuse.py), per client: its address, or what a trusted proxy names (CLIENT_HEADER).
FAIR_QUERY_SECONDS = 60.0       # query seconds per client per minute (0: no budget); over it: 429
FAIR_CONCURRENT_QUERIES = 5     # queries a client may have running at once (0: no limit); one more: 429
# The reserved lane: cheap queries (ASK, an outer LIMIT up to CHEAP_MAX_LIMIT), pages and documents never
# wait behind slow queries. Per serving process, heavy queries leave RESERVED_THREADS request threads and
# RESERVED_QUERY_WORKERS query processes free; a cheap query gets CHEAP_QUERY_SECONDS in the lane, then
# takes a heavy place where it runs (run again as a heavy one, with the time it has left, where it cannot).
RESERVED_THREADS = 2
RESERVED_QUERY_WORKERS = 1
CHEAP_QUERY_SECONDS = 1.0
CHEAP_MAX_LIMIT = 1000

# Operations. ACCESS_LOG: JSON lines, one per request, to this path ("-": stderr; None: off).
ACCESS_LOG = None
# Behind a proxy: the addresses or networks ("10.0.0.0/8,::1", "*" for any) whose X-Forwarded-Proto,
# -Host and -For are believed (None: nobody's), and a header such a proxy sets to name the client.
FORWARDED_ALLOW_IPS = None
CLIENT_HEADER = None
MAX_URL_BYTES = 32 * 1024       # longer request URLs: 414 (send the query by POST)
MAX_HEADER_BYTES = 64 * 1024    # larger header blocks: 431
