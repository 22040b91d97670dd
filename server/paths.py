"""Where the project's files live.

The package sits in ``server/`` of the repository and reads the vocabulary, data, shapes and queries
from the repository beside it; ``CEC_KG_ROOT`` points elsewhere (e.g. an installed copy).
"""
import os
from pathlib import Path

ROOT = Path(os.environ.get("CEC_KG_ROOT", Path(__file__).resolve().parent.parent))
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "cec.ttl"
DATA_DIR = ROOT / "data"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
BUILD_DIR = Path(os.environ.get("CEC_KG_BUILD", ROOT / "build"))
# ../shared holds the source documents and the W3C suites; a user's clone has none.
SHARED_DIR = Path(os.environ.get("CEC_KG_SHARED", ROOT.parent / "shared"))
