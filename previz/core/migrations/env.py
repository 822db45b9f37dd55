"""Alembic environment: runs on the connection that ``previz.core.schema`` hands it (SQLite or PostgreSQL).

SQLite cannot alter most of a table in place, so changes to it are rendered in batch mode (copy and
move); PostgreSQL alters tables directly, and its DDL is transactional: a migration is all or nothing.
"""

from alembic import context

from previz.core.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
