"""Pages as linked data: RDF export, the SPARQL store and endpoint, the dump and the #ask-style query API."""
