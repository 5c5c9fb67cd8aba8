"""outbound mail: letters queued unwritten (the worker writes the registration confirmation)

Revision ID: i20_unwritten_letters
Revises: i19_prepared_file_options
Create Date: 2026-11-29 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i20_unwritten_letters'
down_revision = 'i19_prepared_file_options'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter', sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.drop_column('letter')
