"""verify.collector: the garbage collector's settings for long runs, and their restoring."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from verify import collector


@pytest.fixture(autouse=True)
def defaults() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_long_run_sets_aside_what_exists_and_restores_after() -> None:
    kept = [[i] for i in range(1000)]
    with collector.long_run():
        assert gc.get_threshold() == collector.LONG_RUN
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0


def test_blocks_nest_and_the_inner_one_decides() -> None:
    with collector.service():
        assert gc.get_threshold() == collector.SERVICE
        with collector.long_run():
            assert gc.get_threshold() == collector.LONG_RUN
        assert gc.get_threshold() == collector.SERVICE
        assert gc.get_freeze_count() > 0  # still the service's


def test_overlapping_blocks_in_threads_restore_the_settings() -> None:
    entered, leave = threading.Event(), threading.Event()

    def rebuild() -> None:
        with collector.long_run():
            entered.set()
            leave.wait(5)

    t = threading.Thread(target=rebuild)
    cm = collector.service()
    cm.__enter__()
    t.start()
    entered.wait(5)
    cm.__exit__(None, None, None)  # the service closes first: the rebuild's settings stay
    assert gc.get_threshold() == collector.LONG_RUN
    leave.set()
    t.join()


def test_an_error_inside_still_restores() -> None:
    with pytest.raises(ZeroDivisionError), collector.long_run():
        1 / 0  # noqa: B018


def test_cycles_are_still_collected() -> None:
    class Node:
        other: object

    with collector.long_run():
        a, b = Node(), Node()
        a.other, b.other = b, a
        ref = id(a)
        del a, b
        assert gc.collect() >= 2
        assert all(id(o) != ref for o in gc.get_objects())


def test_the_verifier_restores_the_settings_whatever_the_bundle() -> None:
    import io

    from verify.bundle.verifier import BundleVerifier, Options

    for data in (b"", b"not json\n", b'{"record":"header"}\n'):
        result = BundleVerifier(io.BytesIO(data), "x", Options()).run()
        assert result.unusable is not None or result.steps[1].failures
