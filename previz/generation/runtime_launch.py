"""Starting the generation worker in the managed runtime's Python, from a frozen (PyInstaller) app.

``multiprocessing`` in a frozen app always starts the app itself and hands the child the app's
``sys.path``, so it cannot start another interpreter. ``RuntimeContext`` offers the two calls
``WorkerClient`` makes of a ``multiprocessing`` context — ``Pipe()`` and ``Process(target, args)`` — over
a ``subprocess`` of the runtime's Python and a ``multiprocessing.connection.Connection``: on POSIX over a
socket pair whose one end the worker inherits (as ``multiprocessing.Pipe`` makes it), on Windows over an
authenticated named pipe the worker connects to. The worker speaks the same protocol either way.
The interpreter is resolved when the process starts, so a missing runtime fails the job with what to do.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pickle
import secrets
import socket
import subprocess
import threading
import time
from multiprocessing.connection import Connection, Listener

from previz.generation.runtime import worker_interpreter

_FD, _ADDRESS, _KEY = "PREVIZ_WORKER_FD", "PREVIZ_WORKER_ADDRESS", "PREVIZ_WORKER_AUTHKEY"
_TARGET, _ARGS = "PREVIZ_WORKER_TARGET", "PREVIZ_WORKER_ARGS"
POSIX = os.name != "nt"

#: Run by the runtime's Python: take the inherited socket (or connect back), then call the target with it.
BOOT = f"""
import base64, importlib, json, os, pickle
from multiprocessing.connection import Client, Connection
if {_FD!r} in os.environ:
    conn = Connection(int(os.environ.pop({_FD!r})))
else:
    address = json.loads(os.environ.pop({_ADDRESS!r}))
    conn = Client(address, authkey=bytes.fromhex(os.environ.pop({_KEY!r})))
module, _, name = os.environ.pop({_TARGET!r}).partition(":")
at, args = pickle.loads(base64.b64decode(os.environ.pop({_ARGS!r})))
args[at] = conn
getattr(importlib.import_module(module), name)(*args)
"""


class _Link:
    """The connection both ends share once the worker has connected."""

    def __init__(self) -> None:
        self.listener: Listener | None = None
        self.conn = None
        self.closed = False


class ParentEnd:
    """The app's end on Windows: ``poll``/``recv``/``send``/``close`` as on a ``Connection``; until the worker
    has connected, ``poll`` answers False and ``recv``/``send`` fail as on a closed pipe."""

    def __init__(self, link: _Link) -> None:
        self._link = link

    def poll(self, timeout: float = 0.0) -> bool:
        conn = self._link.conn
        if conn is None:
            time.sleep(max(0.0, timeout or 0.0))
            return False
        return conn.poll(timeout)

    def recv(self):
        if self._link.conn is None:
            raise EOFError("the worker has not connected")
        return self._link.conn.recv()

    def send(self, obj) -> None:
        if self._link.conn is None:
            raise OSError("the worker has not connected")
        self._link.conn.send(obj)

    def close(self) -> None:
        self._link.closed = True
        for thing in (self._link.conn, self._link.listener):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.close()


class ChildEnd:
    """Stands for the worker's end in ``Process(args=...)``: on POSIX the socket the worker inherits."""

    def __init__(self, link: _Link | None, sock: socket.socket | None = None) -> None:
        self.link = link
        self.sock = sock

    def close(self) -> None:  # once the worker holds its own copy (or the start failed)
        if self.sock is not None:
            self.sock.close()


class RuntimeProcess:
    """The worker as a subprocess, with the part of ``multiprocessing.Process`` that ``WorkerClient`` uses."""

    def __init__(self, target, args=(), name: str | None = None, daemon: bool | None = None, root=None):
        ends = [n for n, a in enumerate(args) if isinstance(a, ChildEnd)]
        if len(ends) != 1:
            raise TypeError("RuntimeProcess: one argument must be the ChildEnd of RuntimeContext.Pipe()")
        self.target = f"{target.__module__}:{target.__qualname__}"
        self.child = args[ends[0]]
        rest = [None if n == ends[0] else a for n, a in enumerate(args)]  # plain values, pickled
        self.args = base64.b64encode(pickle.dumps((ends[0], rest))).decode("ascii")
        self.name = name
        self.root = root
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        interpreter = worker_interpreter(self.root)  # refused here when the runtime is not installed
        env = {**os.environ, **interpreter.env, _TARGET: self.target, _ARGS: self.args}
        command = [str(interpreter.python), "-c", BOOT]
        if self.child.sock is not None:
            fd = self.child.sock.fileno()
            env[_FD] = str(fd)
            self.popen = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, pass_fds=(fd,))
            return
        key = secrets.token_bytes(32)
        link = self.child.link
        link.listener = Listener(authkey=key)
        env.update({_ADDRESS: json.dumps(link.listener.address), _KEY: key.hex()})
        self.popen = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._accept, args=(link,), name="previz-worker-accept", daemon=True).start()

    @staticmethod
    def _accept(link: _Link) -> None:
        listener = link.listener
        try:
            conn = listener.accept()
        except Exception:  # closed before the worker connected, or a failed handshake: the worker ends
            return
        finally:
            with contextlib.suppress(Exception):
                listener.close()
        if link.closed:
            conn.close()
        else:
            link.conn = conn

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll() if self.popen is not None else None

    def is_alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        if self.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout)

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(OSError):
                self.popen.kill()

    terminate = kill


class RuntimeContext:
    """``Pipe()`` and ``Process()`` as ``multiprocessing.get_context("spawn")`` offers them, starting the
    target in the managed runtime's Python (``root``: the runtime folder, default as ``runtime_root``)."""

    def __init__(self, root=None) -> None:
        self.root = root

    def Pipe(self, duplex: bool = True):  # noqa: N802 - multiprocessing's name
        if POSIX:
            parent, child = socket.socketpair()
            return Connection(parent.detach()), ChildEnd(None, child)
        link = _Link()
        return ParentEnd(link), ChildEnd(link)

    def Process(self, target, args=(), name=None, daemon=None) -> RuntimeProcess:  # noqa: N802
        return RuntimeProcess(target, args, name, daemon, root=self.root)
