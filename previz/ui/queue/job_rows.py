"""What the queue panel shows of a job beside its state: where it runs or ran (:class:`RunsOn`) and its
speed preset (:func:`preset_of`); and the order it lists jobs in (:func:`listing_order`)."""

from __future__ import annotations

import functools

from previz.core.enums import JobState
from previz.ui.queue.generation_runner import run_order


def listing_order(jobs: list) -> list:
    """``jobs`` (in id order) as the queue panel lists them: running jobs, then queued ones in the order
    they will run, then finished ones (oldest first)."""
    order = {j.id: i for i, j in enumerate(run_order(jobs))}
    queued = [j for j in jobs if j.state == JobState.queued.value]
    queued.sort(key=lambda j: (order.get(j.id, len(order)), j.id))
    running = [j for j in jobs if j.state == JobState.running.value]
    rest = [j for j in jobs if j.state not in (JobState.queued.value, JobState.running.value)]
    return running + queued + rest


def preset_of(job) -> str:
    """The speed preset the job's request asks for ("final" when it names none)."""
    request = job.request.get("request") if isinstance(job.request, dict) else None
    return str((request or {}).get("preset") or "final")


class RunsOn:
    """Where a job runs or ran, from its holder: "here" (this app), a farm worker by name and GPU (from
    the farm's state files, read once per listing), or another machine's process."""

    def __init__(self, session) -> None:
        self.session = session
        self.here = this_process()
        self._workers: dict[tuple[str, int], dict] | None = None

    def workers(self) -> dict[tuple[str, int], dict]:
        if self._workers is None:
            try:
                from previz.generation.farm import read_workers

                found = read_workers(self.session)
            except (ImportError, OSError):
                found = []
            self._workers = {(w.get("host", ""), int(w.get("pid") or 0)): w for w in found}
        return self._workers

    def describe(self, job) -> tuple[str, str]:
        """(text, tooltip) for the "Runs on" column; ("", "") for a job nobody has taken."""
        from previz.core.jobs import JobHolder

        holder = JobHolder.parse(job.holder)
        if holder is None:
            return "", ""
        if holder == self.here:
            return "here", f"this app (process {holder.pid} on {holder.host})"
        worker = self.workers().get((holder.host, holder.pid))
        if worker is not None:
            gpu = "CPU" if worker.get("gpu") is None else f"GPU {worker['gpu']}"
            name = str(worker.get("author") or f"farm:{holder.host}")
            return f"{name} · {gpu}", f"farm worker {name} on {holder.host} (process {holder.pid}, {gpu})"
        return f"{holder.host} · pid {holder.pid}", f"process {holder.pid} on {holder.host}"


@functools.cache
def this_process():
    """This app's ``JobHolder`` (read from /proc once, not at every listing)."""
    from previz.core.jobs import JobHolder

    return JobHolder.this_process()
