"""Run an iterator on a background thread a few items ahead of its consumer.

PyAV (decode, swscale, encode) and OpenCV release the GIL while they work, so a producer stage (render,
decode, convert) and a consumer stage (encode) overlap on two or more cores. Used by the animatic's
render → encode and the export's render → convert → encode pipelines.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator


def prefetch(items: Iterator, depth: int = 4, transform=None) -> Iterator:
    """Run ``items`` (decode, conform, draw; then ``transform`` of each) in a thread ``depth`` items
    ahead of the consumer.

    PyAV (decode, swscale, encode) and OpenCV release the GIL while they work, so the stages overlap.
    An exception in the producer is re-raised here; closing this generator stops the producer and
    closes ``items``.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(transform(item) if transform is not None else item):
                    return
            put(done)
        except BaseException as exc:  # handed to the consumer
            put(exc)

    thread = threading.Thread(target=produce, name="previz-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=30)
        close = getattr(items, "close", None)
        if close is not None and not thread.is_alive():
            close()
