"""Start-up wiring: the packages that own a consequence of page writes subscribe to them here.

Called by create_app, the command line and the test suite before any write; app.pages.events refuses
to publish until it has run, so a process that forgot it fails loudly instead of skipping maturity.
"""

from __future__ import annotations


def register_all() -> None:
    """Register every same-transaction page-write subscriber and what a lower layer asks of a higher one
    (the topic scheme's uses, the raters' expertise maturity weighs): idempotent."""
    from app.people import expertise, topic_uses
    from app.quality import scoring
    from app.tagging import bookmarks

    scoring.register()
    bookmarks.register()
    topic_uses.register()
    scoring.use_rater_expertise(expertise.expertise_shares)
