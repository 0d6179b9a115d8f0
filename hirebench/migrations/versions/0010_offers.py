"""offers: offers made after the scorecard, their versions and acceptance evidence

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

STATUSES = (
    'draft', 'awaiting_approval', 'approved', 'sent', 'accepted', 'declined', 'expired',
    'withdrawn',
)


def upgrade():
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='offerstatus', native_enum=False, length=20), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('responded_at', sa.DateTime(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('accepted_name', sa.String(length=200), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_ip', sa.String(length=64), nullable=False),
    sa.Column('accepted_user_agent', sa.String(length=500), nullable=False),
    sa.Column('accepted_sha256', sa.String(length=64), nullable=False),
    sa.Column('accepted_version', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_offers_application_id_applications')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_offers_approved_by_id_users')),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_offers_approver_id_users')),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_offers_candidate_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_offers_created_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_offers_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_job_id'), ['job_id'], unique=False)

    op.create_table('offer_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=False),
    sa.Column('grade', sa.String(length=50), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('monthly_salary', sa.Integer(), nullable=False),
    sa.Column('salary_months', sa.Integer(), nullable=False),
    sa.Column('probation_salary', sa.Integer(), nullable=False),
    sa.Column('probation_months', sa.Integer(), nullable=False),
    sa.Column('social_insurance', sa.Boolean(), nullable=False),
    sa.Column('insurance_base', sa.Integer(), nullable=True),
    sa.Column('hours_scheme', sa.String(length=20), nullable=False),
    sa.Column('daily_hours', sa.Double(), nullable=False),
    sa.Column('core_hours', sa.String(length=20), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('letter_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('letter_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_offer_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_versions_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_versions')),
    sa.UniqueConstraint('offer_id', 'version', name='uq_offer_versions_version')
    )
    with op.batch_alter_table('offer_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_versions_offer_id'), ['offer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('offer_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_versions_offer_id'))

    op.drop_table('offer_versions')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_job_id'))
        batch_op.drop_index(batch_op.f('ix_offers_candidate_id'))
        batch_op.drop_index(batch_op.f('ix_offers_application_id'))

    op.drop_table('offers')
