"""The queue panel says where each job runs (this app, a farm worker by name and GPU, another machine's
process) and with which speed preset ("final" when the request names none)."""

import socket
import subprocess
import time

from previz.core.jobs import JobHolder, process_start
from previz.generation import farm, leases, queue
from previz.ui.queue.panel import COLUMNS, PRESET, RUNS_ON, QueuePanel


def column(panel, index: int) -> dict[int, str]:
    tree = panel.tree
    return {
        int(tree.topLevelItem(i).text(0)): tree.topLevelItem(i).text(index)
        for i in range(tree.topLevelItemCount())
    }


def test_runs_on_and_preset_columns(qtbot, controller, tmp_path):
    session = controller.session
    draft = {"key": "d", "request": {"backend": "animatic", "preset": "draft"}}
    on_farm = session.add_job(queue.JOB_KIND, draft, shot="001_0010")
    elsewhere = session.add_job(
        queue.JOB_KIND, {"key": "e", "request": {"backend": "animatic"}}, shot="001_0020"
    )
    waiting = session.add_job(
        queue.JOB_KIND, {"key": "w", "request": {"backend": "animatic"}}, shot="001_0030"
    )
    here = session.add_job(queue.JOB_KIND, {"key": "h", "request": {"backend": "animatic"}}, shot="002_0010")
    # a farm worker on this machine holds one job (its state file names it), a process elsewhere another
    worker = subprocess.Popen(["sleep", "120"])
    farm_pid, host = worker.pid, socket.gethostname()
    holder = str(JobHolder(host, farm_pid, process_start(farm_pid)))
    session.update_job(on_farm.id, state="running", holder=holder, lease_expires_at=leases.lease_until())
    session.update_job(
        elsewhere.id, state="running", holder="render-07:4242:99", lease_expires_at=leases.lease_until()
    )
    session.update_job(here.id, state="done", holder=str(JobHolder.this_process()))
    state = {"id": "w1", "author": f"farm:{host}:1", "host": host, "pid": farm_pid, "gpu": 1}
    farm._write_json(farm.farm_dir(session) / "worker-w1.json", {**state, "heartbeat_unix": time.time()})

    panel = QueuePanel(controller)
    qtbot.addWidget(panel)
    assert panel.tree.headerItem().text(RUNS_ON) == "Runs on" and COLUMNS[PRESET] == "Preset"
    runs_on = column(panel, RUNS_ON)
    assert runs_on == {
        on_farm.id: f"farm:{host}:1 · GPU 1",
        elsewhere.id: "render-07 · pid 4242",
        waiting.id: "",
        here.id: "here",
    }
    assert column(panel, PRESET) == {
        on_farm.id: "draft",
        elsewhere.id: "final",
        waiting.id: "final",
        here.id: "final",
    }
    panel.show()
    panel.resize(900, 240)
    panel.grab().save(str(tmp_path / "queue_runs_on.png"))
    panel.shutdown()
    worker.kill()
    worker.wait()
