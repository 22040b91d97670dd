"""The benchmark harness: our SPARQL server against Oxigraph server and rdflib-endpoint (see README.md)."""
