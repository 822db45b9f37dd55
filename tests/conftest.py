import os
import re
import sys
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """Never read or write the real user's settings or model folders."""
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path_factory.getbasetemp() / "config"))


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def tiny_ltx(tmp_path_factory) -> Path:
    """A tiny random-weight LTX-Video folder (``my-ltx``), built once; tests copy it before changing it."""
    from previz.generation.tiny_models import build_ltx

    return build_ltx(tmp_path_factory.mktemp("tiny-ltx") / "my-ltx")


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for the whole session (tests/pg_server.py), started on first use
    only, stopped and removed at the end. Never skipped: missing binaries fail with an install hint."""
    from pg_server import PgServer

    server = PgServer().start()
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """SQLAlchemy URL (postgresql+psycopg) of a fresh empty database for this test, dropped after it
    (connections still open to it are cut first)."""
    stem = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40]
    name = f"t_{stem}_{uuid.uuid4().hex[:8]}"
    url = pg_server.create_database(name)
    yield url
    pg_server.start()  # a test may have left the server stopped
    pg_server.drop_database(name)
