"""prepared files remember the options they were asked with; one queued or running file per
event, kind and options (a second click joins the first job)

Revision ID: i19_prepared_file_options
Revises: i18_prepared_files
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i19_prepared_file_options'
down_revision = 'i18_prepared_files'
branch_labels = None
depends_on = None

PENDING = sa.text("status IN ('queued', 'running')")


def upgrade():
    with op.batch_alter_table('prepared_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('options', sa.String(length=500), nullable=True))
    op.create_index('uq_prepared_file_pending_options', 'prepared_file', ['event_id', 'kind', 'options'],
                    unique=True, sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    op.drop_index('uq_prepared_file_pending_options', table_name='prepared_file')
    with op.batch_alter_table('prepared_file', schema=None) as batch_op:
        batch_op.drop_column('options')
