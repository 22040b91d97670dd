"""Operations: the app factory, configuration, the command line, serving, health and metrics.

Owns ``app`` (``create_app``: defaults, then ``CEC_*`` variables, then a mapping), ``config`` (the
defaults), ``cli`` (``cec-kg``), ``serve`` (granian, the query-worker zygote, ``cec-kg load``),
``progress`` (progress bars on a terminal) and ``health`` (``/health``, ``/metrics``).

May import: every layer (``cec_kg.web``, ``cec_kg.linkeddata``, ``cec_kg.protocol``, ``cec_kg.store``,
``cec_kg.graph``, ``cec_kg.problems``).
"""
