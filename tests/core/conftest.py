import pytest

from helpers import dump
from previz.core.session import ProjectSession


@pytest.fixture(name="dump")
def dump_fixture():
    return dump


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Where the project of ``session`` lives: a bundle, or a PostgreSQL database on the suite's server."""
    return request.param


@pytest.fixture
def session(request, tmp_path, backend):
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        s = ProjectSession.create(url, media=tmp_path / "media", name="Film", fps="24", size="1280x720")
    else:
        s = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="1280x720")
    yield s
    s.close()


@pytest.fixture
def populated(session):
    session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    session.add_scene("INT. LANTERN ROOM - CONTINUOUS", number="2")
    session.add_scene("EXT. SEA - NIGHT", number="2A")
    for scene, n in (("1", 3), ("2", 4), ("2A", 2)):
        for i in range(n):
            session.add_shot(scene, action=f"beat {i} of scene {scene}", duration_frames=24 + i)
    return session
