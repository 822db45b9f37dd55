"""The CLI on a shared project (issue 13): several command-line writers at the same moment all succeed and
lose nothing, each records who it is, and only ``previz gc`` still needs the project to itself."""

import subprocess
import sys

import shared_fixtures
from shared_fixtures import ROOT, assert_integrity, child_env, expect_line, finish, spawn, start_together

from previz.core.session import ProjectSession

shared_project = shared_fixtures.shared_project

#: A writer process that runs the CLI's own entry point ``count`` times (one process, many commands, so
#: hundreds of commands cost no interpreter start-ups), each command one edit; every exit code is printed.
CLI_LOOP = """
import sys
from previz.cli import main
count, argv = int(sys.argv[1]), sys.argv[2:]
print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
codes = [main([a.replace("{i}", str(i)) for a in argv]) for i in range(count)]
print("codes", *sorted(set(codes)), flush=True)
"""


def previz(*argv: str, author: str = "cli") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "previz", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=shared_fixtures.PROCESS_TIMEOUT_S,
        env=child_env(PREVIZ_USER=author),
        cwd=ROOT,
    )


def test_two_cli_processes_adding_200_shots_each_at_once_all_succeed(shared_project):
    add = ["shot", "add", shared_project, "--scene", "1", "--action"]
    writers = [spawn(CLI_LOOP, 200, *add, f"{who} {{i}}", PREVIZ_USER=who) for who in ("alice", "bob")]
    start_together(writers)
    outs = finish(writers)
    assert [out.splitlines()[-1] for out in outs] == ["codes 0", "codes 0"]
    assert all(out.count("added shot 001_") == 200 for out in outs), outs[0][:200]
    with ProjectSession.open(shared_project, author="check") as s:
        shots = s.shots()
        authors = [r["author"] for r in s.table_rows("history") if r["name"].startswith("Add shot")]
    assert len(shots) == 400 and len({sh.code for sh in shots}) == 400
    assert sorted(authors) == ["alice"] * 200 + ["bob"] * 200
    assert_integrity(shared_project)


def test_four_cli_processes_adding_50_notes_each_at_once_all_succeed(shared_project):
    with ProjectSession.open(shared_project, author="setup") as s:
        code = s.add_shot("1", duration_frames=60).code
    names = ("director", "editor", "vfx", "producer")
    add = ["note", "add", shared_project, code, "--frame", "{i}"]
    writers = [spawn(CLI_LOOP, 50, *add, f"{who} note {{i}}", "--author", who) for who in names]
    start_together(writers)
    assert [out.splitlines()[-1] for out in finish(writers)] == ["codes 0"] * 4
    with ProjectSession.open(shared_project, author="check") as s:
        notes = s.notes(code)
    assert len(notes) == 200 and len({n.id for n in notes}) == 200
    for who in names:
        assert sorted((n.frame, n.text) for n in notes if n.author == who) == [
            (i, f"{who} note {i}") for i in range(50)
        ]
    assert_integrity(shared_project)


SHELL_LOOP = """
read go
for i in $(seq {count}); do
    "{python}" -m previz shot add "{project}" --scene 2 --action "$PREVIZ_USER $i" || exit $?
done
"""


def test_separate_previz_commands_from_two_shells_at_once_all_succeed(shared_project):
    """The real entry point, one interpreter per command, as two terminals (or scripts) would run it."""
    script = SHELL_LOOP.format(count=5, python=sys.executable, project=shared_project)
    shells = [
        subprocess.Popen(
            ["bash", "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=child_env(PREVIZ_USER=who),
        )
        for who in ("alice", "bob")
    ]
    for sh in shells:
        sh.stdin.write("go\n")
        sh.stdin.flush()
    outs = finish(shells)
    assert all(out.count("added shot 002_") == 5 for out in outs), outs
    with ProjectSession.open(shared_project, author="check") as s:
        actions = sorted(sh.action for sh in s.shots("2"))
    assert actions == sorted(f"{who} {i}" for who in ("alice", "bob") for i in range(1, 6))


HOLDER = (
    shared_fixtures.OPEN_AND_WAIT
    + """
s.add_shot("1", action="before gc was tried")
print("wrote", flush=True)
assert sys.stdin.readline().strip() == "again"
s.add_shot("1", action="after gc was refused")
s.close()
print("done", flush=True)
"""
)


def test_gc_is_refused_while_another_process_has_the_project_open_and_that_process_carries_on(shared_project):
    holder = spawn(HOLDER, shared_project, "app")
    start_together([holder])
    expect_line(holder, "wrote")
    refused = previz("gc", shared_project)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("previz: error: ") and refused.stderr.count("\n") == 1
    assert "open in another process" in refused.stderr and "previz gc" in refused.stderr
    holder.stdin.write("again\n")
    holder.stdin.flush()
    assert finish([holder]) == ["done\n"]
    assert previz("gc", shared_project).returncode == 0
    with ProjectSession.open(shared_project, author="check") as s:
        assert [sh.action for sh in s.shots()] == ["before gc was tried", "after gc was refused"]


def test_a_note_added_from_the_cli_is_by_the_same_author_as_its_history_row(shared_project):
    with ProjectSession.open(shared_project, author="setup") as s:
        code = s.add_shot("1").code
    added = previz("note", "add", shared_project, code, "darker", "--frame", "3", author="bob")
    assert added.returncode == 0, added.stderr
    with ProjectSession.open(shared_project, author="check") as s:
        (note,) = s.notes(code)
        history = s.table_rows("history")[-1]
    assert (history["name"], history["author"]) == (f"Add note to {code}", "bob")
    assert note.author == "bob"


LONG_BATCH = (
    shared_fixtures.OPEN_AND_WAIT
    + """
with s.batch("Big import"):
    s.add_shot("1", action="imported")
    print("holding", flush=True)
    assert sys.stdin.readline().strip() == "commit"
s.close()
print("done", flush=True)
"""
)

#: The CLI with a short busy timeout: what every writer meets after 30 s behind a longer transaction.
IMPATIENT_CLI = """
import sys
from previz.core import bundle
bundle.BUSY_TIMEOUT_MS = 200
from previz.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_writer_kept_waiting_past_the_busy_timeout_gets_one_line_and_changes_nothing(shared_project):
    holder = spawn(LONG_BATCH, shared_project, "importer")
    start_together([holder])
    expect_line(holder, "holding")
    try:
        waited = subprocess.run(
            [sys.executable, "-c", IMPATIENT_CLI, "shot", "add", shared_project, "--scene", "2"],
            capture_output=True,
            text=True,
            timeout=shared_fixtures.PROCESS_TIMEOUT_S,
            env=child_env(PREVIZ_USER="bob"),
            cwd=ROOT,
        )
    finally:
        holder.stdin.write("commit\n")
        holder.stdin.flush()
    assert finish([holder]) == ["done\n"]
    assert waited.returncode == 1 and waited.stdout == ""
    assert waited.stderr.startswith("previz: error: ") and waited.stderr.count("\n") == 1, waited.stderr
    assert "Traceback" not in waited.stderr
    with ProjectSession.open(shared_project, author="check") as s:
        assert [sh.action for sh in s.shots()] == ["imported"]
