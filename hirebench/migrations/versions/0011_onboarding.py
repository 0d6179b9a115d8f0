"""onboarding: a new hire's checklist, started by an accepted offer

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('onboardings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('guide', sa.JSON(), nullable=False),
    sa.Column('personal', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_onboardings_candidate_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_onboardings_job_id_jobs')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_onboardings_offer_id_offers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboardings')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_onboardings_offer_id'))
    )
    with op.batch_alter_table('onboardings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboardings_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboardings_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboardings_status'), ['status'], unique=False)

    op.create_table('onboarding_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('onboarding_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('owner', sa.String(length=20), nullable=False),
    sa.Column('due_day', sa.Integer(), nullable=False),
    sa.Column('blocks_day_one', sa.Boolean(), nullable=False),
    sa.Column('upload', sa.String(length=10), nullable=False),
    sa.Column('collects', sa.String(length=20), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_path', sa.String(length=64), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_onboarding_tasks_done_by_id_users')),
    sa.ForeignKeyConstraint(['onboarding_id'], ['onboardings.id'], name=op.f('fk_onboarding_tasks_onboarding_id_onboardings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_tasks')),
    sa.UniqueConstraint('onboarding_id', 'key', name='uq_onboarding_tasks_onboarding_key')
    )
    with op.batch_alter_table('onboarding_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_tasks_onboarding_id'), ['onboarding_id'], unique=False)


def downgrade():
    op.drop_table('onboarding_tasks')
    op.drop_table('onboardings')
