"""prefetch: a producer thread a few items ahead; errors reach the consumer; closing stops the thread."""

import threading

import pytest

from previz.core.errors import GenerationError
from previz.core.prefetch import prefetch


def test_prefetch_propagates_errors_and_stops_when_closed():
    def failing():
        yield 1
        raise GenerationError("image: boom")

    it = prefetch(failing())
    assert next(it) == 1
    with pytest.raises(GenerationError, match="boom"):
        next(it)

    produced = []

    def endless():
        while True:
            produced.append(1)
            yield len(produced)

    def producers() -> set:
        return {t for t in threading.enumerate() if t.name == "previz-prefetch"}

    before = producers()
    it = prefetch(endless(), depth=2)
    assert next(it) == 1
    assert producers() - before  # running ahead on its own thread
    it.close()
    assert producers() - before == set()  # closing stopped it: it cannot produce any more
    assert 1 <= len(produced) <= 4  # no more than the queue's depth ahead of the one consumed


def test_prefetch_transforms_on_the_producer_thread_in_order():
    names = []

    def transform(x):
        names.append(threading.current_thread().name)
        return x * 10

    assert list(prefetch(iter(range(5)), transform=transform)) == [0, 10, 20, 30, 40]
    assert set(names) == {"previz-prefetch"}
