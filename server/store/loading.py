"""Open the store the configuration asks for (embedded CEC graph, embedded user files, on-disk, or remote),
and say under which licence its data is served."""
from __future__ import annotations

from pathlib import Path

from ..graph.licence import cec_data_license
from .base import Store
from .embedded import EmbeddedStore


def data_files(config) -> list[Path] | None:
    data = config.get("DATA")
    if not data:
        return None
    return [Path(p) for p in ([data] if isinstance(data, (str, Path)) else data)]


def open_store(config) -> Store:
    """DATA (files) > STORE_DIR (an existing on-disk store) > the CEC graph; BACKEND wins over all.

    The licence (``store.license``): ``LICENSE`` from the configuration (``--license IRI``) if given;
    else the CEC graph's own (``data/LICENSE``) when it is the CEC graph, also as loaded into an on-disk
    store by ``cec-kg load --store`` (its metadata records it); else none: a user's data carries no
    licence of ours.
    """
    if config.get("BACKEND"):
        # The backend's answer may be larger than ours (JSON vs TSV…), within reason.
        answer_cap = max(64 << 20, 4 * int(config.get("MAX_RESULT_BYTES") or 0)) if config.get("MAX_RESULT_BYTES") \
            else 1 << 32
        from .remote import RemoteStore     # (its HTTP client, ssl: not for an embedded store)

        store: Store = RemoteStore(config["BACKEND"], timeout=float(config.get("QUERY_TIMEOUT", 10.0)),
                                   graph_store=config.get("GRAPH_STORE"), max_answer_bytes=answer_cap)
    else:
        store_dir = Path(config["STORE_DIR"]) if config.get("STORE_DIR") else None
        files = data_files(config)
        if files:
            store = EmbeddedStore.from_files(files, store_dir, license=config.get("LICENSE"))
        elif store_dir is not None and store_dir.exists():
            store = EmbeddedStore.open_dir(store_dir)
        else:
            from ..graph.build import built_nquads

            store = EmbeddedStore.from_files([built_nquads()], store_dir, license=cec_data_license())
    if config.get("LICENSE"):
        store.license = config["LICENSE"]
    return store
