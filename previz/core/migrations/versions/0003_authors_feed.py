"""authors and the change feed

Many writers share a project (issue 13): every history row records who made it (``author``), from which
open session (``client``), what kind of row it is (an undoable ``edit``; an ``undo`` or ``redo`` of one,
naming it in ``ref_id``; or a ``result`` that is not an edit: a take, a job's progress) and the
``Changes`` it made, so other clients read the history as their change feed. Takes record their author;
the project gets a stable ``uuid`` (a shared media root names the project it belongs to) and the media
root recorded for a PostgreSQL project.

Revision ID: 0003
Revises: 0002
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("client", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="edit"))
        batch_op.add_column(sa.Column("changes", sa.Text(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("ref_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_history_author", ["author", "kind", "undone"])
    with op.batch_alter_table("take", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("media_root", sa.Text(), nullable=False, server_default=""))
    op.get_bind().execute(sa.text("UPDATE project SET uuid = :u WHERE uuid = ''"), {"u": str(uuid.uuid4())})


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("media_root")
        batch_op.drop_column("uuid")
    with op.batch_alter_table("take", schema=None) as batch_op:
        batch_op.drop_column("author")
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.drop_index("ix_history_author")
        batch_op.drop_column("ref_id")
        batch_op.drop_column("changes")
        batch_op.drop_column("kind")
        batch_op.drop_column("client")
        batch_op.drop_column("author")
