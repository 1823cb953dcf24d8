"""Readers' topic tags on pages, and bookmarks of external LMI sources (pages that point elsewhere)."""
