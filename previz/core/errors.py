"""Expected bad input raises a PrevizError subclass whose message names the file, line or field.

The CLI prints the message on one line without a traceback and exits 1; the UI shows it in a dialog.
"""

from __future__ import annotations


class PrevizError(Exception):
    """Base of every expected, user-facing error."""

    def one_line(self) -> str:
        return " ".join(str(self).split())


class ValidationError(PrevizError):
    """A value given for a field is not acceptable (names the field and the allowed values)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class NotFoundError(PrevizError):
    """A scene, shot, take, note, job or file that was asked for does not exist."""


class ProjectError(PrevizError):
    """The project bundle cannot be opened or written (not a project, newer schema, permissions)."""


class ProjectLockedError(ProjectError):
    """Another live process has the project open for writing."""


class ProjectDamagedError(ProjectError):
    """``project.sqlite`` is corrupt (malformed pages, not a database, unreadable sectors)."""


class ProjectReadOnlyError(ProjectError):
    """The bundle cannot be written (read-only folder, file system or database file); reading still works."""


class DiskFullError(ProjectError):
    """The disk holding the project is full; whatever was being written was not kept."""


class ProjectClosedError(ProjectError):
    """A read or a change was asked of a ``ProjectSession`` after ``close()``."""


class MediaError(PrevizError):
    """A media file is missing, unreadable or not what it claims to be."""


class ImportFileError(PrevizError):
    """A screenplay, shot list or board folder cannot be imported (names file and line/row)."""

    def __init__(self, path: str, message: str, line: int | None = None, column: str | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class GenerationError(PrevizError):
    """A generation request is invalid, a model is missing or the worker failed."""


class ExportError(PrevizError):
    """An export cannot be written (bad output path, missing media, licence refusal)."""


class CancelledError(PrevizError):
    """Long work was cancelled by the user."""


class ConflictError(ProjectError):
    """Someone else changed the rows an edit, an undo or a redo would change (names who and what); nothing
    was changed."""


class ServerUnreachableError(ProjectError):
    """The PostgreSQL server of a project cannot be reached, or the connection to it was lost (names host
    and port)."""


class ServerAuthError(ProjectError):
    """The PostgreSQL server refused the login: a wrong user or password (names host and port)."""


class DatabaseMissingError(ProjectError):
    """The PostgreSQL server has no database of the name a project URL gives."""


class JobTakenError(ProjectError):
    """Another runner claimed the queued job first; the caller moves on to the next one."""
