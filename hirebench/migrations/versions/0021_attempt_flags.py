"""attempts: flagged_question_ids, the exam navigator's flag-for-later marks (issue 17)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('flagged_question_ids', sa.JSON(), server_default='[]', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('flagged_question_ids')
