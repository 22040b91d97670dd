"""The CEC Knowledge Graph: its vocabulary, data and shapes, a SPARQL 1.1 endpoint and linked data.

The package is layered; each subpackage's docstring says what it owns and what it may import, and
dependencies run one way (``docs/ARCHITECTURE.md``)::

    ops → web → linkeddata → protocol → store → graph      (problems: any layer)

``create_app`` (the Flask app factory, ``ops.app``) is imported on first use, so ``cec-kg --help``
and the graph's tools do not load the web stack.
"""
from __future__ import annotations


def __getattr__(name: str):
    if name == "create_app":        # granian loads "cec_kg:create_app"
        from .ops.app import create_app

        return create_app
    raise AttributeError(f"module 'cec_kg' has no attribute {name!r}")
