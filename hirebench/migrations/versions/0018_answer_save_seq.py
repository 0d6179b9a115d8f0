"""answers: save_client and save_seq, for the autosave protocol's stale-write check (issue 18)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-09 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('save_client', sa.String(length=40), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('save_seq', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('save_seq')
        batch_op.drop_column('save_client')
