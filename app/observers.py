"""Start-up wiring: the packages that own a consequence of page writes subscribe to them here.

Called by create_app, the command line and the test suite before any write; app.pages.events refuses
to publish until it has run, so a process that forgot it fails loudly instead of skipping maturity.
"""

from __future__ import annotations


def register_all() -> None:
    """Register every same-transaction page-write subscriber (idempotent)."""
    from app.quality import scoring
    from app.tagging import bookmarks

    scoring.register()
    bookmarks.register()
