"""Snapshots are made from query rows by column position (``core/snapshots.py``): the columns a snapshot
has are kept, the others dropped, whatever the query's column order; dicts and mappings still work."""

from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from previz.core.snapshots import _from_row


@dataclass(frozen=True)
class _Pair:
    id: int
    name: str = ""

    from_row = classmethod(_from_row)


@pytest.fixture
def conn():
    engine = create_engine("sqlite://")
    with engine.connect() as c:
        yield c
    engine.dispose()


@pytest.mark.parametrize(
    ("query", "extra", "expected"),
    [
        ("SELECT 7 AS id, 'seven' AS name", {}, _Pair(7, "seven")),
        ("SELECT 'other' AS unused, 'eight' AS name, 8 AS id", {}, _Pair(8, "eight")),  # order, extras
        ("SELECT 9 AS id, 'x' AS unused", {}, _Pair(9)),  # one column kept
        ("SELECT 'x' AS unused", {"id": 10}, _Pair(10)),  # none kept: the rest given
        ("SELECT 11 AS id, 'old' AS name", {"name": "given"}, _Pair(11, "given")),  # given wins
    ],
)
def test_a_row_becomes_a_snapshot_by_its_columns(conn, query, extra, expected):
    rows = conn.execute(text(query)).all()
    assert _Pair.from_row(rows[0], **extra) == expected
    again = conn.execute(text(query)).all()[0]  # the same columns again: the kept pick is reused
    assert _Pair.from_row(again, **extra) == expected


def test_dicts_and_mappings_still_become_snapshots(conn):
    assert _Pair.from_row({"id": 1, "name": "a", "other": 0}) == _Pair(1, "a")
    row = conn.execute(text("SELECT 2 AS id, 'b' AS name")).first()
    assert _Pair.from_row(row._mapping) == _Pair(2, "b")
