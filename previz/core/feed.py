"""Following other clients' changes: the project's history table is the change feed.

``FeedWatcher.poll`` reads every row committed after the last one it saw (rows are never missed: the table
is the record, a wake-up only says when to look) and returns those made by other clients, with who made
them; the app and ``previz watch`` refresh what the rows' ``Changes`` name. Reading the feed is one indexed
query, so polling it a few times a second costs nothing measurable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from previz.core.conflicts import ago
from previz.core.edits import Changes
from previz.core.snapshots import HistoryInfo

if TYPE_CHECKING:
    from previz.core.session import ProjectSession


@dataclass(frozen=True)
class FeedUpdate:
    """What other clients committed since the last poll: their rows, oldest first, and all their
    ``Changes`` in one value."""

    entries: tuple[HistoryInfo, ...]
    changes: Changes
    #: The database's clock minus this machine's: ages are told on the clock that stamped the rows.
    clock_offset: timedelta = field(default=timedelta(0))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def age(self, entry: HistoryInfo) -> str:
        """``just now``, ``2 minutes ago``: on the clock that stamped the row."""
        return ago(entry.created_at, datetime.now(timezone.utc) + self.clock_offset)

    def line(self, entry: HistoryInfo) -> str:
        """``bob: Change lens of 001_0010 · just now``."""
        return f"{entry.author}: {entry.name} · {self.age(entry)}"

    def summary(self) -> str:
        """The status-bar line for the newest entry (and how many came with it)."""
        if not self.entries:
            return ""
        last = self.entries[-1]
        more = f" (and {len(self.entries) - 1} more)" if len(self.entries) > 1 else ""
        return f"{last.author}: {last.name}{more} · {self.age(last)}"


class FeedWatcher:
    """Reads a session's change feed from where it started (the newest row at construction)."""

    def __init__(self, session: ProjectSession) -> None:
        self.session = session
        self.last_id = session.last_history_id()

    def poll(self, limit: int = 1000) -> FeedUpdate:
        """Rows committed by other clients since the last poll (this session's own rows are skipped: its
        listeners heard of them when they were made)."""
        rows = self.session.history_after(self.last_id, limit, skip_changes_of=self.session.client)
        if not rows:
            return FeedUpdate((), Changes(), self.session.clock_offset)
        # Rows this watcher never read were pruned (it slept through FEED_KEEP changes): what they changed is
        # unknown, so everything is said to have changed.
        pruned = rows[0].id > self.last_id + 1 and self.session.first_history_id() > self.last_id + 1
        self.last_id = rows[-1].id
        theirs = tuple(r for r in rows if r.client != self.session.client)
        changes = Changes.everything() if pruned else Changes.merge([r.changes for r in theirs])
        return FeedUpdate(theirs, changes, self.session.clock_offset)
