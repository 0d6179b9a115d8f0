"""integrity: similarity runs and their pairs, decisions on the pairs (issue 16)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:23:08.475289

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('similarity_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('exam_version_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('part', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='similaritystatus', native_enum=False, length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('submissions', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Double(), nullable=True),
    sa.Column('distribution', sa.JSON(), nullable=False),
    sa.Column('clusters', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_similarity_runs_exam_id_exams')),
    sa.ForeignKeyConstraint(['exam_version_id'], ['exam_versions.id'], name=op.f('fk_similarity_runs_exam_version_id_exam_versions')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_similarity_runs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similarity_runs'))
    )
    with op.batch_alter_table('similarity_runs', schema=None) as batch_op:
        batch_op.create_index('ix_similarity_runs_exam_status', ['exam_id', 'status'], unique=False)
        batch_op.create_index('uq_similarity_runs_one_pending', ['exam_version_id', 'question_id', 'part'], unique=True, sqlite_where=sa.text("status IN ('queued', 'running')"), postgresql_where=sa.text("status IN ('queued', 'running')"))

    op.create_table('similarity_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('answer_a_id', sa.Integer(), nullable=False),
    sa.Column('answer_b_id', sa.Integer(), nullable=False),
    sa.Column('candidate_a_id', sa.Integer(), nullable=False),
    sa.Column('candidate_b_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('fragments', sa.JSON(), nullable=False),
    sa.Column('cluster', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Enum('dismissed', 'confirmed', name='similaritydecision', native_enum=False, length=20), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('answer_a_id < answer_b_id', name=op.f('ck_similarity_pairs_ordered')),
    sa.CheckConstraint('score >= 0 AND score <= 1', name=op.f('ck_similarity_pairs_score_range')),
    sa.ForeignKeyConstraint(['answer_a_id'], ['answers.id'], name=op.f('fk_similarity_pairs_answer_a_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['answer_b_id'], ['answers.id'], name=op.f('fk_similarity_pairs_answer_b_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['candidate_a_id'], ['users.id'], name=op.f('fk_similarity_pairs_candidate_a_id_users')),
    sa.ForeignKeyConstraint(['candidate_b_id'], ['users.id'], name=op.f('fk_similarity_pairs_candidate_b_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_similarity_pairs_decided_by_id_users')),
    sa.ForeignKeyConstraint(['run_id'], ['similarity_runs.id'], name=op.f('fk_similarity_pairs_run_id_similarity_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similarity_pairs')),
    sa.UniqueConstraint('run_id', 'answer_a_id', 'answer_b_id', name='uq_similarity_pairs_run_answers')
    )
    with op.batch_alter_table('similarity_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_similarity_pairs_candidate_a_id'), ['candidate_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_similarity_pairs_candidate_b_id'), ['candidate_b_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_similarity_pairs_run_id'), ['run_id'], unique=False)



def downgrade():
    with op.batch_alter_table('similarity_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_similarity_pairs_run_id'))
        batch_op.drop_index(batch_op.f('ix_similarity_pairs_candidate_b_id'))
        batch_op.drop_index(batch_op.f('ix_similarity_pairs_candidate_a_id'))

    op.drop_table('similarity_pairs')
    with op.batch_alter_table('similarity_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_similarity_runs_one_pending', sqlite_where=sa.text("status IN ('queued', 'running')"), postgresql_where=sa.text("status IN ('queued', 'running')"))
        batch_op.drop_index('ix_similarity_runs_exam_status')

    op.drop_table('similarity_runs')
