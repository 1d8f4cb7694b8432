"""publish: own channels (registry, admission), sign-off, live posts, findings, correction orders,
statement filings (申报备案) and the wrong-words list (R-PUBLISH-1…4; see store/tables_publish.py)

Revision ID: 0024_publish
Revises: 0023_venue_contacts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_publish"
down_revision = "0023_venue_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('wrong_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=100), nullable=False),
    sa.Column('suggestion', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wrong_words')),
    sa.UniqueConstraint('word', name=op.f('uq_wrong_words_word'))
    )
    op.create_table('channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('responsible_person', sa.String(length=100), nullable=False),
    sa.Column('administrator', sa.String(length=100), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('feed_url', sa.Text(), nullable=True),
    sa.Column('cadence', sa.String(length=10), nullable=False),
    sa.Column('admission', sa.String(length=20), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('last_update', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_http_status', sa.Integer(), nullable=True),
    sa.Column('answering', sa.Boolean(), nullable=True),
    sa.Column('zombie', sa.Boolean(), nullable=False),
    sa.Column('zombie_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fictional', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_channels_owner_unit_id_units')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_channels_source_id_sources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channels'))
    )
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channels_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('channel_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('construction_plan_text', sa.Text(), nullable=False),
    sa.Column('security_rules_text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('applicant_name', sa.String(length=100), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_name', sa.String(length=100), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_name', sa.String(length=100), nullable=True),
    sa.Column('close_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_channel_applications_applicant_id_users')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_channel_applications_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_channel_applications_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_applications'))
    )
    with op.batch_alter_table('channel_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_applications_channel_id'), ['channel_id'], unique=False)

    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('drafted_by_name', sa.String(length=100), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_by_name', sa.String(length=100), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('uploader_name', sa.String(length=100), nullable=False),
    sa.Column('live_url', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('live_check', sa.String(length=20), nullable=True),
    sa.Column('live_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('live_text', sa.Text(), nullable=True),
    sa.Column('live_sha256', sa.String(length=64), nullable=True),
    sa.Column('live_error', sa.Text(), nullable=False),
    sa.Column('fictional', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_publications_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['users.id'], name=op.f('fk_publications_drafted_by_id_users')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_publications_signed_by_id_users')),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_publications_uploader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications'))
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_channel_id'), ['channel_id'], unique=False)

    op.create_table('channel_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=True),
    sa.Column('page_url', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_channel_findings_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_channel_findings_publication_id_publications'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_findings')),
    sa.UniqueConstraint('channel_id', 'kind', 'key', name='uq_channel_findings_key')
    )
    with op.batch_alter_table('channel_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_findings_channel_id'), ['channel_id'], unique=False)

    op.create_table('channel_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=True),
    sa.Column('signed', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_channel_posts_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_channel_posts_publication_id_publications'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_posts')),
    sa.UniqueConstraint('channel_id', 'url', name='uq_channel_posts_channel_url')
    )
    with op.batch_alter_table('channel_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_posts_channel_id'), ['channel_id'], unique=False)

    op.create_table('correction_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_name', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('explained_by_name', sa.String(length=100), nullable=True),
    sa.Column('explained_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fictional', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_correction_orders_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['finding_id'], ['channel_findings.id'], name=op.f('fk_correction_orders_finding_id_channel_findings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_correction_orders_issued_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_correction_orders_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_orders'))
    )
    with op.batch_alter_table('correction_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_orders_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_orders_unit_id'), ['unit_id'], unique=False)

    op.create_table('statement_filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('filed_by_name', sa.String(length=100), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_name', sa.String(length=100), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_note', sa.Text(), nullable=False),
    sa.Column('fictional', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_statement_filings_channel_id_channels'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_statement_filings_filed_by_id_users')),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_statement_filings_reply_id_replies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_statement_filings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_filings')),
    sa.UniqueConstraint('reply_id', name=op.f('uq_statement_filings_reply_id'))
    )
    op.create_table('statement_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filing_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_statement_links_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_statement_links_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['filing_id'], ['statement_filings.id'], name=op.f('fk_statement_links_filing_id_statement_filings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_links'))
    )
    with op.batch_alter_table('statement_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_links_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_links_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_statement_links_filing', ['filing_id'], unique=False)
def downgrade() -> None:

    with op.batch_alter_table('statement_links', schema=None) as batch_op:
        batch_op.drop_index('ix_statement_links_filing')
        batch_op.drop_index(batch_op.f('ix_statement_links_event_id'))
        batch_op.drop_index(batch_op.f('ix_statement_links_case_id'))

    op.drop_table('statement_links')
    op.drop_table('statement_filings')
    with op.batch_alter_table('correction_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_orders_unit_id'))
        batch_op.drop_index(batch_op.f('ix_correction_orders_channel_id'))

    op.drop_table('correction_orders')
    with op.batch_alter_table('channel_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_posts_channel_id'))

    op.drop_table('channel_posts')
    with op.batch_alter_table('channel_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_findings_channel_id'))

    op.drop_table('channel_findings')
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publications_channel_id'))

    op.drop_table('publications')
    with op.batch_alter_table('channel_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_applications_channel_id'))

    op.drop_table('channel_applications')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channels_owner_unit_id'))

    op.drop_table('channels')
    op.drop_table('wrong_words')

