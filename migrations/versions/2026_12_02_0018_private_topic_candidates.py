"""Topic candidates proposed by tagging a page not everyone may read are private to their proposer.

Before, a free-text tag on a private page made an organisation-wide candidate: its label and proposer
showed in /api/topics and /api/topics/changes. `private_to_id` names the proposer while the candidate is
used only where not everyone may read; it is cleared when the candidate is used on a page everyone may
read or on a person. Existing candidates are made private when their proposer tagged a page with them
and no page everyone may read and no person uses them (what the new rule would have decided).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('topic_concept') as batch_op:
        batch_op.add_column(sa.Column(
            'private_to_id', sa.Integer(), nullable=True,
            comment='A candidate proposed by tagging a page not everyone may read: only its proposer sees it, '
                    'until it is used where everyone may (app.topics.service.visible_filter)'))
        batch_op.create_foreign_key('fk_topic_concept_private_to_id_user', 'user', ['private_to_id'], ['id'],
                                    ondelete='CASCADE')
    op.execute("""
        UPDATE topic_concept SET private_to_id = created_by_id
        WHERE status = 'candidate' AND created_by_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM page_tag WHERE page_tag.concept_id = topic_concept.id
                                               AND page_tag.tagger_id = topic_concept.created_by_id)
          AND NOT EXISTS (SELECT 1 FROM page_tag JOIN page ON page.id = page_tag.page_id
                          JOIN space ON space.id = page.space_id
                          WHERE page_tag.concept_id = topic_concept.id AND space.kind = 'organisation'
                            AND space.visibility = 'organisation')
          AND NOT EXISTS (SELECT 1 FROM person_tag WHERE person_tag.concept_id = topic_concept.id)
    """)


def downgrade() -> None:
    with op.batch_alter_table('topic_concept') as batch_op:
        batch_op.drop_constraint('fk_topic_concept_private_to_id_user', type_='foreignkey')
        batch_op.drop_column('private_to_id')
