"""Foundation: accounts, tokens, spaces, memberships, pages, revisions, links, change log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 17:10:59.009560
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('adviser', 'manager', 'admin', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('username', name=op.f('uq_user_username'))
    )
    op.create_table('access_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('session', 'personal', name='token_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=12), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_access_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_access_token_token_hash'))
    )
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_token_user_id'), ['user_id'], unique=False)

    op.create_table('space',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('personal', 'organisation', name='space_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('visibility', sa.Enum('members', 'organisation', name='visibility', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True, comment='Set for personal spaces only'),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_space_owner_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_space')),
    sa.UniqueConstraint('key', name=op.f('uq_space_key')),
    sa.UniqueConstraint('owner_id', name=op.f('uq_space_owner_id'))
    )
    op.create_table('page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_key', sa.String(length=200), nullable=False, comment='Case- and space-insensitive title'),
    sa.Column('current_revision_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_page_created_by_id_user')),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['user.id'], name=op.f('fk_page_deleted_by_id_user')),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_page_space_id_space')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page')),
    sa.UniqueConstraint('space_id', 'title_key', name=op.f('uq_page_space_id_title_key'))
    )
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_space_id'), ['space_id'], unique=False)

    op.create_table('space_membership',
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('reader', 'editor', 'owner', name='member_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_space_membership_space_id_space'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_space_membership_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('space_id', 'user_id', name=op.f('pk_space_membership'))
    )
    with op.batch_alter_table('space_membership', schema=None) as batch_op:
        batch_op.create_index('ix_space_membership_user_id', ['user_id'], unique=False)

    op.create_table('page_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_key', sa.String(length=200), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_alias_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_page_alias_space_id_space')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_alias')),
    sa.UniqueConstraint('space_id', 'title_key', name=op.f('uq_page_alias_space_id_title_key'))
    )
    with op.batch_alter_table('page_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_alias_page_id'), ['page_id'], unique=False)

    op.create_table('page_category',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_category_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('page_id', 'name', name=op.f('pk_page_category'))
    )
    with op.batch_alter_table('page_category', schema=None) as batch_op:
        batch_op.create_index('ix_page_category_name', ['name'], unique=False)

    op.create_table('page_link',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('target_key', sa.String(length=200), nullable=False),
    sa.Column('target_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_link_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('page_id', 'target_key', name=op.f('pk_page_link'))
    )
    with op.batch_alter_table('page_link', schema=None) as batch_op:
        batch_op.create_index('ix_page_link_target_key', ['target_key'], unique=False)

    op.create_table('revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False, comment='1, 2, 3 ... within the page'),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('minor', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='create, edit, revert or move'),
    sa.Column('reverted_to_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False, comment='Content length in UTF-8 bytes'),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_revision_author_id_user')),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_revision_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['revision.id'], name=op.f('fk_revision_parent_id_revision')),
    sa.ForeignKeyConstraint(['reverted_to_id'], ['revision.id'], name=op.f('fk_revision_reverted_to_id_revision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revision')),
    sa.UniqueConstraint('page_id', 'number', name=op.f('uq_revision_page_id_number')),
    sa.UniqueConstraint('parent_id', name=op.f('uq_revision_parent_id'))
    )
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.create_index('ix_revision_author_id', ['author_id'], unique=False)

    # page <-> revision reference each other: the page's pointer to its head comes after both tables.
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_page_current_revision_id_revision', 'revision',
                                    ['current_revision_id'], ['id'])

    op.create_table('change_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False, comment='e.g. page.created, page.edited, page.moved'),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('minor', sa.Boolean(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_change_log_actor_id_user')),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_change_log_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['revision.id'], name=op.f('fk_change_log_revision_id_revision'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_change_log_space_id_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log'))
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index('ix_change_log_page_id_id', ['page_id', 'id'], unique=False)
        batch_op.create_index('ix_change_log_space_id_id', ['space_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_space_id_id')
        batch_op.drop_index('ix_change_log_page_id_id')

    op.drop_table('change_log')
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_constraint('fk_page_current_revision_id_revision', type_='foreignkey')
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_index('ix_revision_author_id')

    op.drop_table('revision')
    with op.batch_alter_table('page_link', schema=None) as batch_op:
        batch_op.drop_index('ix_page_link_target_key')

    op.drop_table('page_link')
    with op.batch_alter_table('page_category', schema=None) as batch_op:
        batch_op.drop_index('ix_page_category_name')

    op.drop_table('page_category')
    with op.batch_alter_table('page_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_alias_page_id'))

    op.drop_table('page_alias')
    with op.batch_alter_table('space_membership', schema=None) as batch_op:
        batch_op.drop_index('ix_space_membership_user_id')

    op.drop_table('space_membership')
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_space_id'))

    op.drop_table('page')
    op.drop_table('space')
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_token_user_id'))

    op.drop_table('access_token')
    op.drop_table('user')
