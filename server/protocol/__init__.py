"""The SPARQL 1.1 Protocol: ``/sparql`` and the HTTP rules every document follows.

Owns reading protocol requests (``endpoint``), the answer to a query whichever way it came (``answer``),
the lean WSGI path for plain GETs (``fast``), content negotiation (``negotiation``: the one table of
media types), the service description (``description``), conditional/gzip document responses and the
HTML hook (``http``), and the result caches (``cache``; ``replay``, a WSGI layer that replays whole
responses for repeated GETs).

May import: ``cec_kg.store``, ``cec_kg.graph``, ``cec_kg.problems``.
"""
