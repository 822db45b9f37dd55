"""``JobHolder.this_process`` (issue 12, speed): looked up once per process, not at every job claim; a
forked child is itself, not its parent."""

from __future__ import annotations

import os
import socket

import pytest

from previz.core.jobs import JobHolder, process_start


def test_this_process_is_looked_up_once_and_names_this_process(monkeypatch):
    first = JobHolder.this_process()
    assert first == JobHolder(socket.gethostname(), os.getpid(), process_start(os.getpid()))
    assert first.start != ""  # /proc says when this process started
    monkeypatch.setattr("previz.core.jobs.process_start", lambda pid: pytest.fail("read /proc again"))
    assert JobHolder.this_process() is first


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_is_its_own_holder():
    parent = JobHolder.this_process()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: says who it holds as, and leaves at once
        os.close(read)
        os.write(write, str(JobHolder.this_process()).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = JobHolder.parse(pipe.read())
    os.waitpid(pid, 0)
    assert child is not None and child.pid == pid != parent.pid and child.host == parent.host
