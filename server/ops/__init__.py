"""Operations: the app factory, configuration, the command line, serving, health and metrics.

Owns ``app`` (``create_app``: defaults, then ``CEC_*`` variables, then a mapping), ``config`` (the
defaults), ``cli`` (``cec-kg``), ``serve`` and ``server`` (granian on one socket per port, the
query-worker zygote, clean stops, ``cec-kg load``), ``front`` (request ids, proxies, headers, the
access log), ``fairuse`` (per-client budgets and the reserved lane, the endpoint's admission),
``openapi`` (``/openapi.json``), ``progress`` (progress bars on a terminal) and ``health``
(``/health``, ``/metrics``).

May import: every layer (``cec_kg.web``, ``cec_kg.linkeddata``, ``cec_kg.protocol``, ``cec_kg.store``,
``cec_kg.graph``, ``cec_kg.problems``).
"""
