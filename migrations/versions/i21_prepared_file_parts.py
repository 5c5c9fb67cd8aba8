"""a built file is kept in 1 MB parts, each written in its own short transaction

Revision ID: i21_prepared_file_parts
Revises: i20_unwritten_letters
Create Date: 2026-11-29 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i21_prepared_file_parts'
down_revision = 'i20_unwritten_letters'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'prepared_file_part',
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['prepared_file.id'], name=op.f('fk_prepared_file_part_file_id_prepared_file'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('file_id', 'seq', name=op.f('pk_prepared_file_part')),
    )


def downgrade():
    op.drop_table('prepared_file_part')
