"""Operating the service: backup and restore of its whole state."""
