"""Open the store the configuration asks for (embedded CEC graph, embedded user files, or remote)."""
from __future__ import annotations

from pathlib import Path

from .store import EmbeddedStore, Store


def open_store(config) -> Store:
    data = config.get("DATA")
    store_dir = Path(config["STORE_DIR"]) if config.get("STORE_DIR") else None
    if data:
        files = [Path(p) for p in ([data] if isinstance(data, (str, Path)) else data)]
        return EmbeddedStore.from_files(files, store_dir)
    from .build import built_nquads

    return EmbeddedStore.from_files([built_nquads()], store_dir)
