"""applications: the pipeline stage and the rejected state (issue 17); candidate_scorecards:
copies of the ranking tier, name, address and flags, so the ranked table sorts and pages in SQL

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 09:00:00.000000

Existing applications are placed from what exists for the candidate, furthest first: an
accepted offer is `hired`, any other offer `offer` (rejected too when the latest one was
declined, expired or withdrawn), an interview for the job `interview`, a portfolio review item
`portfolio`, an exam attempt `exam`, else `applied`. Portfolios and attempts are not tied to a
job, so for a candidate with several jobs those two count for each of them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_LATEST_OFFER = (
    "(SELECT o.{column} FROM offers o WHERE o.candidate_id = applications.candidate_id"
    " AND o.job_id = applications.job_id ORDER BY o.id DESC LIMIT 1)"
)
_CLOSED = "('declined', 'expired', 'withdrawn')"

PLACE = f"""
UPDATE applications SET stage = CASE
  WHEN {_LATEST_OFFER.format(column='status')} = 'accepted' THEN 'hired'
  WHEN {_LATEST_OFFER.format(column='status')} IS NOT NULL THEN 'offer'
  WHEN EXISTS (SELECT 1 FROM interviews i JOIN interview_kits k ON k.id = i.kit_id
               WHERE i.candidate_id = applications.candidate_id
               AND k.job_id = applications.job_id) THEN 'interview'
  WHEN EXISTS (SELECT 1 FROM review_items r WHERE r.candidate_id = applications.candidate_id
               AND r.kind = 'portfolio') THEN 'portfolio'
  WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.candidate_id = applications.candidate_id)
    THEN 'exam'
  ELSE 'applied'
END
"""

REJECT_AFTER_OFFER = f"""
UPDATE applications
SET rejected_at = {_LATEST_OFFER.format(column='updated_at')},
    rejection_reason = CASE {_LATEST_OFFER.format(column='status')}
      WHEN 'declined' THEN 'Offer declined'
      WHEN 'expired' THEN 'Offer expired'
      ELSE 'Offer withdrawn' END
WHERE {_LATEST_OFFER.format(column='status')} IN {_CLOSED}
"""


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('stage', sa.String(length=20), server_default='applied', nullable=False)
        )
        batch_op.add_column(sa.Column('stage_changed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rejected_at', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('rejection_reason', sa.Text(), server_default='', nullable=False)
        )
        batch_op.create_index('ix_applications_job_stage', ['job_id', 'stage'], unique=False)
    with op.batch_alter_table('candidate_scorecards', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('rank_tier', sa.SmallInteger(), server_default='2', nullable=False)
        )
        batch_op.add_column(
            sa.Column('sort_name', sa.String(length=200), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('email_key', sa.String(length=254), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('flag_codes', sa.String(length=200), server_default='', nullable=False)
        )
    op.execute(PLACE)
    op.execute(REJECT_AFTER_OFFER)
    _copy_sort_keys()


def _copy_sort_keys():
    """The same values as hirebench.scorecards.service.copy_sort_keys, frozen here as they
    are today: a migration must not change with the application code."""
    connection = op.get_bind()
    cards = sa.table(
        'candidate_scorecards',
        sa.column('id', sa.Integer),
        sa.column('composite', sa.Float),
        sa.column('summary', sa.JSON),
        sa.column('rank_tier', sa.SmallInteger),
        sa.column('sort_name', sa.String),
        sa.column('email_key', sa.String),
        sa.column('flag_codes', sa.String),
    )
    rows = connection.execute(sa.select(cards.c.id, cards.c.composite, cards.c.summary)).all()
    for card_id, composite, summary in rows:
        summary = summary or {}
        scores = list((summary.get('stages') or {}).values())
        scored = sum(1 for score in scores if score is not None)
        tier = 2 if composite is None else (1 if 0 < scored < len(scores) else 0)
        flags = summary.get('flags') or []
        connection.execute(
            cards.update()
            .where(cards.c.id == card_id)
            .values(
                rank_tier=tier,
                sort_name=str(summary.get('name') or '').casefold()[:200],
                email_key=str(summary.get('email') or '').casefold()[:254],
                flag_codes=(' ' + ' '.join(flags) + ' ')[:200] if flags else '',
            )
        )


def downgrade():
    with op.batch_alter_table('candidate_scorecards', schema=None) as batch_op:
        batch_op.drop_column('flag_codes')
        batch_op.drop_column('email_key')
        batch_op.drop_column('sort_name')
        batch_op.drop_column('rank_tier')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_job_stage')
        batch_op.drop_column('rejection_reason')
        batch_op.drop_column('rejected_at')
        batch_op.drop_column('stage_changed_at')
        batch_op.drop_column('stage')
