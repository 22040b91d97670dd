"""The graph: where its files come from, the IRIs it mints, assembling and validating the dataset.

Owns ``paths`` (the one place deciding whether the vocabulary, data, shapes and queries come from a
checkout or the installed package), ``namespaces``, ``licence`` (the data licence, from
``data/LICENSE``), ``build`` (sources → named graphs + entailments → N-Quads), ``validate`` (SHACL) and
``queries`` (the saved queries with their headers).
Knows nothing of HTTP or of stores.

May import: nothing of ours (only rdflib, owlrl, pyshacl and the standard library).
"""
