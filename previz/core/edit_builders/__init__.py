"""The edit builders of ``ProjectSession``, one module per aggregate (project and cast, scenes, shots,
takes, notes, audio, jobs, and shot authoring). Each public method validates its input, reads what it needs
to undo inside one write transaction, and commits one ``Edit`` of row operations."""

from previz.core.edit_builders.audio import AudioEdits
from previz.core.edit_builders.authoring import ShotAuthoring
from previz.core.edit_builders.jobs import JobEdits
from previz.core.edit_builders.notes import NoteEdits
from previz.core.edit_builders.project import ProjectEdits
from previz.core.edit_builders.scenes import SceneEdits
from previz.core.edit_builders.shots import ShotEdits
from previz.core.edit_builders.takes import TakeEdits


class EditBuilders(
    ProjectEdits, SceneEdits, ShotEdits, ShotAuthoring, TakeEdits, NoteEdits, AudioEdits, JobEdits
):
    """Every edit builder, mixed into ``ProjectSession``."""
