"""The shared topic scheme: topics people type or import, their gardening, and SKOS import and export."""
