"""From a note to a new take: prompt revision (one undo step), a job linked to the note, resolving."""

from __future__ import annotations

import pytest

from previz.core.errors import NotFoundError
from previz.core.review import read_note, resolve_note
from previz.generation.queue import run_queue
from previz.generation.revisions import note_jobs, revise_from_note, suggested_prompt


def test_a_revision_queues_a_new_take_linked_to_the_note(project):
    note = project.add_note("001_0010", 4, "Brighter sky")
    assert suggested_prompt(project, note.id) == "Waves.\nBrighter sky"
    job = revise_from_note(project, note.id, "Waves under a brighter sky")
    assert job.state == "queued" and job.request["note_id"] == note.id and job.shot_id == note.shot_id
    assert project.shot("001_0010").prompt == "Waves under a brighter sky"
    assert note_jobs(project, note.id) == [job]
    (done,) = run_queue(project, job_ids=[job.id])
    assert done.state == "done"
    new_take = project.take(done.take_id)
    assert new_take.number == 2 and new_take.request_key != project.takes("001_0010")[0].request_key
    resolve_note(project, note.id)  # no take given: the revision's take answered it
    resolved, _ = read_note(project, note.id)
    assert resolved.resolved and resolved.resolved_by_take_id == new_take.id
    # Undo: first the resolve, then the prompt revision; the take (work) stays.
    assert project.undo()[0] == f"Change note {note.id}"
    assert project.undo()[0] == f"Revise 001_0010 from note {note.id}"
    assert project.shot("001_0010").prompt == "" and len(project.takes("001_0010")) == 2


def test_revising_twice_without_a_prompt_makes_distinct_jobs(project):
    note = project.add_note("001_0020", 0, "Another go")
    a = revise_from_note(project, note.id)
    b = revise_from_note(project, note.id)
    assert a.id != b.id and a.request["key"] != b.request["key"]
    assert a.request["request"]["seed"] != b.request["request"]["seed"]
    assert project.undo_name() != f"Revise 001_0020 from note {note.id}"  # nothing to undo was made
    with pytest.raises(NotFoundError, match="note 99 not found"):
        revise_from_note(project, 99)
