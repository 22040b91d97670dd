"""The SPARQL 1.1 Protocol: ``/sparql`` and the HTTP rules every document follows.

Owns reading protocol requests and answering them (``endpoint``, under the ops layer's admission hook;
``fast``, the lean WSGI path for plain GETs, with the same functions),
hints for queries that do not parse (``hints``), the saved queries as an API (``saved``), content
negotiation (``negotiation``: the one table of media types), the service description
(``description``), conditional/gzip document responses and the HTML hook (``http``), and the result
caches (``cache``; ``replay``, a WSGI layer that replays whole responses for repeated GETs).

May import: ``cec_kg.store``, ``cec_kg.graph``, ``cec_kg.problems``.
"""
