"""Safe on a public server: session versions, disabled accounts, who may create events,
"confirm e-mail first" holds, one check-in per client scan id.

Revision ID: i9_safe_public_server
Revises: e8591d60ad75
Create Date: 2026-11-29 07:49:19.903146

"""
from alembic import op
import sqlalchemy as sa
import seminar.dbtypes


# revision identifiers, used by Alembic.
revision = 'i9_safe_public_server'
down_revision = 'i12_privacy'
branch_labels = None
depends_on = None


def upgrade():
    # A scan id reused for another badge (possible before this revision) keeps its first check-in.
    op.execute("UPDATE checkin SET scan_id = NULL WHERE scan_id IS NOT NULL AND id NOT IN "
               "(SELECT MIN(id) FROM checkin WHERE scan_id IS NOT NULL GROUP BY scan_id)")
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_checkin_scan_id'), ['scan_id'])

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_email_hours', sa.Integer(), nullable=True))

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_until', seminar.dbtypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_confirmed_at', seminar.dbtypes.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('disabled_at', seminar.dbtypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('may_create_events', sa.Boolean(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('may_create_events')
        batch_op.drop_column('disabled_at')
        batch_op.drop_column('session_version')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
        batch_op.drop_column('hold_until')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('confirm_email_hours')

    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_checkin_scan_id'), type_='unique')
