"""Open the store the configuration asks for (embedded CEC graph, embedded user files, on-disk, or remote)."""
from __future__ import annotations

from pathlib import Path

from .store import EmbeddedStore, RemoteStore, Store


def data_files(config) -> list[Path] | None:
    data = config.get("DATA")
    if not data:
        return None
    return [Path(p) for p in ([data] if isinstance(data, (str, Path)) else data)]


def open_store(config) -> Store:
    """DATA (files) > STORE_DIR (an existing on-disk store) > the CEC graph; BACKEND wins over all."""
    if config.get("BACKEND"):
        return RemoteStore(config["BACKEND"], timeout=float(config.get("QUERY_TIMEOUT", 10.0)),
                           graph_store=config.get("GRAPH_STORE"))
    store_dir = Path(config["STORE_DIR"]) if config.get("STORE_DIR") else None
    files = data_files(config)
    if files:
        return EmbeddedStore.from_files(files, store_dir)
    if store_dir is not None and store_dir.exists():
        return EmbeddedStore.open_dir(store_dir)
    from .build import built_nquads

    return EmbeddedStore.from_files([built_nquads()], store_dir)
