"""The ontology, typed page annotations and their storage: what pages are annotated with (used by pages)."""
