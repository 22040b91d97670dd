"""Linked data: dereferencing IRIs and the documents crawlers read.

Owns which IRIs we answer for and what an entity document holds (``describe``), ``/id/…`` 303s and
``/data/…`` documents (``resource``), VoID/DCAT, the sitemap, robots.txt and dumps (``discovery``),
and publishing the vocabulary, its JSON-LD context and the shapes (``vocabulary``). HTML for people
comes from the web layer through ``protocol.http.html_view``, never by importing it.

May import: ``cec_kg.protocol``, ``cec_kg.store``, ``cec_kg.graph``, ``cec_kg.problems``.
"""
