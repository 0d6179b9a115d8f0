"""analytics: performance ratings of hires and voluntary group data (issue 15)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:11:27.997530

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('group_data',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_group_data_candidate_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_data')),
    sa.UniqueConstraint('candidate_id', name=op.f('uq_group_data_candidate_id'))
    )
    op.create_table('performance_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('rating', sa.Double(), nullable=False),
    sa.Column('scale_min', sa.Double(), nullable=False),
    sa.Column('scale_max', sa.Double(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('rating >= scale_min AND rating <= scale_max', name=op.f('ck_performance_ratings_rating_in_scale')),
    sa.CheckConstraint('scale_max > scale_min', name=op.f('ck_performance_ratings_scale')),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_performance_ratings_candidate_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_performance_ratings_created_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_performance_ratings_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_ratings')),
    sa.UniqueConstraint('candidate_id', 'job_id', 'rated_on', name='uq_performance_ratings_candidate_job_day')
    )
    with op.batch_alter_table('performance_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_ratings_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_ratings_job_id'), ['job_id'], unique=False)



def downgrade():
    with op.batch_alter_table('performance_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_ratings_job_id'))
        batch_op.drop_index(batch_op.f('ix_performance_ratings_candidate_id'))

    op.drop_table('performance_ratings')
    op.drop_table('group_data')
