"""The data licence, stated once in ``data/LICENSE`` (its ``License-IRI:`` line) and read from there.

The CEC graph carries it (VoID/DCAT, entity documents, page footers, signposting); a user's own
``--data`` carries none of ours unless they name one (``--license IRI``): ``store.loading`` decides.
"""
from __future__ import annotations

from functools import cache

from . import paths


@cache
def cec_data_license() -> str:
    """The licence IRI of the CEC graph's data (``License-IRI:`` in ``data/LICENSE``)."""
    for line in paths.DATA_LICENSE_FILE.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "License-IRI" and value.strip():
            return value.strip()
    raise ValueError(f"{paths.DATA_LICENSE_FILE} has no 'License-IRI:' line")

