"""Annotations, the ontology, RDF export, the SPARQL endpoint and the #ask-style query API."""
