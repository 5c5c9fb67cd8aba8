"""the door snapshot's version read from an index

Revision ID: i16_scale
Revises: e8591d60ad75
"""
from alembic import op

revision = "i16_scale"
down_revision = "e8591d60ad75"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration") as batch_op:
        batch_op.create_index("ix_registration_event_updated", ["event_id", "updated_at"], unique=False)


def downgrade():
    with op.batch_alter_table("registration") as batch_op:
        batch_op.drop_index("ix_registration_event_updated")
