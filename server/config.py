"""Default configuration; override with ``CEC_<NAME>`` environment variables or a mapping."""

# What to serve. DATA: None serves the CEC graph (validated, with entailments); else a list of RDF
# files or directories. STORE_DIR: keep the embedded store on disk. BACKEND: a remote SPARQL endpoint.
DATA = None
STORE_DIR = None
BACKEND = None

# Public origin of the canonical IRIs (the server answers for them on whatever origin it runs).
BASE_IRI = "https://w3id.org/cec-kg/"

# Limits (announced in the service description).
QUERY_TIMEOUT = 10.0        # seconds, default per query
MAX_QUERY_TIMEOUT = 60.0    # a request's `timeout` parameter is capped at this
MAX_QUERY_BYTES = 64 * 1024
MAX_RESULT_ROWS = 100_000
