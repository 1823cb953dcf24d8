"""The change log no longer names anonymous raters: their earlier rows lose the actor.

Rating events of an anonymous rating are now logged without an actor (app/quality/service.py,
logged_rater), so recent changes, feeds and webhooks cannot name the rater. Rows written before
named them; this clears the actor of every `page.rated`, `page.rating_withdrawn` and
`page.issue_raised` row of a person on a page they rated anonymously at any time (erring towards
hiding). Not reversible: the downgrade leaves the rows as they are.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        UPDATE change_log SET actor_id = NULL
        WHERE kind IN ('page.rated', 'page.rating_withdrawn', 'page.issue_raised')
          AND actor_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM rating
                      WHERE rating.page_id = change_log.page_id AND rating.rater_id = change_log.actor_id
                        AND rating.anonymous)
    """)


def downgrade() -> None:
    """Nothing to undo: who rated anonymously is not put back into the log."""
