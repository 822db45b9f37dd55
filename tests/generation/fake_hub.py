"""A local stand-in for the Hugging Face Hub on 127.0.0.1, serving model folders built by the tests.

It answers what ``huggingface_hub`` (2.x) asks for: ``GET /api/models/{repo}[/revision/{rev}]`` with
``siblings`` (and, for ``?blobs=true``, each file's size, git blob id and LFS size/sha256), and
``HEAD``/``GET /{repo}/resolve/{rev}/{file}`` with ``X-Repo-Commit``, ``ETag``, ``X-Linked-Etag``,
``X-Linked-Size``, ``Content-Length`` and ``Range`` (206 + ``Content-Range``). Unknown repositories
and files get 404 with the ``X-Error-Code`` the client maps to its errors.

``drop_after[path] = n`` makes the first GET of that file send ``n`` bytes of the body and close the
connection; ``hold_at[path] = (n, event)`` pauses its body after ``n`` bytes until ``event`` is set
(``holding`` says when); ``corrupt`` holds files served with a byte changed. Every request is logged
(method, path, Range) and the body bytes sent are counted per file.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

_LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".ckpt", ".pth")
_API = re.compile(r"^/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?$")
_RESOLVE = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


class Repo:
    def __init__(self, repo_id: str, files: dict[str, bytes], licence: str) -> None:
        self.repo_id = repo_id
        self.files = files
        self.licence = licence
        self.commit = hashlib.sha1(repo_id.encode() + b"".join(files[p] for p in sorted(files))).hexdigest()

    @staticmethod
    def is_lfs(path: str) -> bool:
        return path.endswith(_LFS_SUFFIXES)

    def etag(self, path: str) -> str:
        data = self.files[path]
        if self.is_lfs(path):
            return hashlib.sha256(data).hexdigest()
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()

    def sibling(self, path: str, blobs: bool) -> dict:
        if not blobs:
            return {"rfilename": path}
        data = self.files[path]
        entry = {"rfilename": path, "size": len(data), "blobId": hashlib.sha1(data).hexdigest()}
        if self.is_lfs(path):
            entry["lfs"] = {"size": len(data), "sha256": self.etag(path), "pointerSize": 134}
        else:
            entry["blobId"] = self.etag(path)
        return entry


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str, str | None]] = []
        self.served: Counter[str] = Counter()
        self.drop_after: dict[str, int] = {}
        self.corrupt: set[str] = set()  # files served with one byte changed (the listed hashes stay right)
        self.hold_at: dict[str, tuple[int, threading.Event]] = {}  # pause a file's body after n bytes
        self.holding = threading.Event()  # set while a body is paused at ``hold_at``
        self.file_sizes = True  # False: the file list names files only (clients must HEAD each one)
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                try:
                    hub._handle(self, head=False)
                except (BrokenPipeError, ConnectionResetError):  # the client went away (cancelled)
                    pass

            def do_HEAD(self) -> None:
                hub._handle(self, head=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add_folder(self, repo_id: str, folder: Path, *, licence: str = "apache-2.0", extra=None) -> Repo:
        """Serve every file under ``folder`` (plus ``extra`` {path: bytes}) as repository ``repo_id``."""
        files = {
            p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
        }
        files.update(extra or {})
        repo = self.repos[repo_id] = Repo(repo_id, files, licence)
        return repo

    def ranges(self, path_suffix: str) -> list[str | None]:
        """The Range header of each GET of a file whose URL ends with ``path_suffix``."""
        return [r for m, p, r in self.requests if m == "GET" and p.endswith(path_suffix)]

    def start(self) -> FakeHub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------------ requests
    def _error(self, h, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        h.send_response(status)
        h.send_header("X-Error-Code", code)
        h.send_header("X-Error-Message", message)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler, *, head: bool) -> None:
        parsed = urlparse(h.path)
        path = unquote(parsed.path)
        with self.lock:
            self.requests.append(("HEAD" if head else "GET", path, h.headers.get("Range")))
        api, resolve = _API.match(path), _RESOLVE.match(path)
        if api:
            return self._model_info(h, api.group(1), parse_qs(parsed.query))
        if resolve:
            return self._resolve(h, resolve.group(1), resolve.group(2), resolve.group(3), head=head)
        self._error(h, 404, "EntryNotFound", f"no route {path}")

    def _model_info(self, h, repo_id: str, query: dict) -> None:
        repo = self.repos.get(repo_id)
        if repo is None:
            return self._error(h, 404, "RepoNotFound", "Repository not found")
        blobs = self.file_sizes and query.get("blobs", ["false"])[0].lower() == "true"
        body = json.dumps(
            {
                "_id": repo.commit[:24],
                "id": repo_id,
                "modelId": repo_id,
                "sha": repo.commit,
                "private": False,
                "gated": False,
                "disabled": False,
                "library_name": "diffusers",
                "tags": ["diffusers"],
                "cardData": {"license": repo.licence},
                "siblings": [repo.sibling(p, blobs) for p in sorted(repo.files)],
            }
        ).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _resolve(self, h, repo_id: str, revision: str, path: str, *, head: bool) -> None:
        repo = self.repos.get(repo_id)
        if repo is None:
            return self._error(h, 404, "RepoNotFound", "Repository not found")
        if revision not in ("main", repo.commit):
            return self._error(h, 404, "RevisionNotFound", f"Invalid rev id: {revision}")
        if path not in repo.files:
            return self._error(h, 404, "EntryNotFound", f"{path} does not exist")
        data = repo.files[path]
        start, status = 0, 200
        wanted = h.headers.get("Range")
        if wanted and not head:
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
            if match:
                start, status = int(match.group(1)), 206
        body = data[start:]
        if path in self.corrupt and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        h.send_response(status)
        h.send_header("X-Repo-Commit", repo.commit)
        h.send_header("ETag", f'"{repo.etag(path)}"')
        if repo.is_lfs(path):
            h.send_header("X-Linked-Etag", f'"{repo.etag(path)}"')
            h.send_header("X-Linked-Size", str(len(data)))
        h.send_header("Accept-Ranges", "bytes")
        h.send_header("Content-Length", str(len(body)))
        if status == 206:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.end_headers()
        if head:
            return
        with self.lock:
            drop = self.drop_after.pop(path, None)
        if drop is not None:
            h.wfile.write(body[:drop])
            h.wfile.flush()
            with self.lock:
                self.served[path] += len(body[:drop])
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        with self.lock:
            hold = self.hold_at.pop(path, None)
        if hold is not None:
            h.wfile.write(body[: hold[0]])
            h.wfile.flush()
            with self.lock:
                self.served[path] += len(body[: hold[0]])
            body = body[hold[0] :]
            self.holding.set()
            hold[1].wait(60)
            self.holding.clear()
        step = 64 * 1024
        for i in range(0, len(body), step):
            h.wfile.write(body[i : i + step])
            with self.lock:
                self.served[path] += len(body[i : i + step])


@contextmanager
def serving(server: FakeHub, monkeypatch):
    """Start ``server`` and point ``huggingface_hub`` at it (online, small download chunks so a tiny file
    still comes in several) for the body of the ``with``; stop it after."""
    import huggingface_hub.constants as hf_constants

    server.start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hf_constants, "DOWNLOAD_CHUNK_SIZE", 16 * 1024)
    try:
        yield server
    finally:
        server.stop()
