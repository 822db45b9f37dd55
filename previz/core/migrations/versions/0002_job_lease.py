"""job holder and lease

A running job records who runs it (host, pid and process start time) and until when its lease holds, so
the next process that runs the queue can tell a job whose holder died from one still running.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("lease_expires_at", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("holder")
