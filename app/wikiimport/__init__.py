"""Bring an existing MediaWiki / Semantic MediaWiki in: XML dump parsing, wikitext conversion, the importer."""
