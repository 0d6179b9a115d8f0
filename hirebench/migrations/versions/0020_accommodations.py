"""accommodations: breaks and HR's note on users; breaks, paused time and HR's extension on
attempts (issue 19 item 1)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('break_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('break_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('accommodation_note', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breaks_allowed', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('break_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('breaks_taken', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('break_started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('paused_seconds', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('extension_minutes', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('extension_minutes')
        batch_op.drop_column('paused_seconds')
        batch_op.drop_column('break_started_at')
        batch_op.drop_column('breaks_taken')
        batch_op.drop_column('break_minutes')
        batch_op.drop_column('breaks_allowed')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('accommodation_note')
        batch_op.drop_column('break_minutes')
        batch_op.drop_column('break_count')
