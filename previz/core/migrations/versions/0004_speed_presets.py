"""speed presets and draft → final

A generated take is made at a speed preset (issue 18): ``final`` (plain diffusers), ``balanced`` or
``draft``. The project names its default (``project.default_preset``), a shot may override it
(``shot.preset``; empty means the project's). A final take records the draft take it finalizes
(``take.finalizes_take_id``), and so does the job that renders it (``job.finalizes_take_id``); deleting the
draft leaves the final in place (``ON DELETE SET NULL``).

SQLite cannot add a foreign key to a table in place, so ``take`` and ``job`` are copied and moved (batch
mode). Foreign keys are on in a project's connection and cannot be turned off inside the migration's
transaction, so dropping the old ``take`` would set every reference to it to NULL (notes, jobs): those
references, and both tables' id high-water marks (``sqlite_sequence``, which ``database.next_ids`` reads),
are read before and written back after.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Columns that refer to ``take.id`` with ``ON DELETE SET NULL``: (table, column).
_TAKE_REFERENCES = (("note", "take_id"), ("note", "resolved_by_take_id"), ("job", "take_id"))
_FK_TAKE = "fk_take_finalizes_take_id_take"
_FK_JOB = "fk_job_finalizes_take_id_take"


def _sqlite_state(conn) -> tuple[dict, dict]:
    refs = {
        (table, column): conn.execute(
            sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608 (constants)
        ).all()
        for table, column in _TAKE_REFERENCES
    }
    marks = dict(conn.execute(sa.text("SELECT name, seq FROM sqlite_sequence")).all())
    return refs, marks


def _sqlite_restore(conn, refs: dict, marks: dict) -> None:
    for (table, column), rows in refs.items():
        for row_id, value in rows:
            conn.execute(
                sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),  # noqa: S608 (constants)
                {"v": value, "id": row_id},
            )
    for name in ("take", "job"):
        if name in marks:
            updated = conn.execute(
                sa.text("UPDATE sqlite_sequence SET seq = MAX(seq, :s) WHERE name = :n"),
                {"s": marks[name], "n": name},
            ).rowcount
            if not updated:
                conn.execute(
                    sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:n, :s)"),
                    {"n": name, "s": marks[name]},
                )


def _alter(table: str, **kw):
    if op.get_bind().dialect.name == "sqlite":
        kw["table_kwargs"] = {"sqlite_autoincrement": True}
        kw["recreate"] = "always"
    return op.batch_alter_table(table, schema=None, **kw)


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    refs, marks = _sqlite_state(conn) if sqlite else ({}, {})
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("default_preset", sa.String(length=16), nullable=False, server_default="final")
        )
    with op.batch_alter_table("shot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preset", sa.String(length=16), nullable=False, server_default=""))
    with _alter("take") as batch_op:
        batch_op.add_column(sa.Column("finalizes_take_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(_FK_TAKE, "take", ["finalizes_take_id"], ["id"], ondelete="SET NULL")
    with _alter("job") as batch_op:
        batch_op.add_column(sa.Column("finalizes_take_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(_FK_JOB, "take", ["finalizes_take_id"], ["id"], ondelete="SET NULL")
    if sqlite:
        _sqlite_restore(conn, refs, marks)


def downgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    refs, marks = _sqlite_state(conn) if sqlite else ({}, {})
    with _alter("job") as batch_op:
        batch_op.drop_constraint(_FK_JOB, type_="foreignkey")
        batch_op.drop_column("finalizes_take_id")
    with _alter("take") as batch_op:
        batch_op.drop_constraint(_FK_TAKE, type_="foreignkey")
        batch_op.drop_column("finalizes_take_id")
    # Copying ``shot`` would cascade-delete its takes: drop the plain columns in place (SQLite ≥ 3.35).
    op.drop_column("shot", "preset")
    op.drop_column("project", "default_preset")
    if sqlite:
        _sqlite_restore(conn, refs, marks)
