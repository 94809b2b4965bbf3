"""Server processes freeze what start-up built out of the garbage collector's walks."""

import gc
import logging

import pytest

from api.gunicorn_app import settings
from dispatch import heap


@pytest.fixture
def restored_collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()   # the test process keeps collecting as before
    gc.set_threshold(*threshold)


def _walked(obj) -> bool:
    return any(o is obj for o in gc.get_objects())


def test_settle_freezes_what_exists_and_raises_the_young_threshold(restored_collector):
    built_at_start = {"mapper": [object()]}
    assert _walked(built_at_start)
    frozen = heap.settle()
    assert frozen == gc.get_freeze_count() > 0
    assert not _walked(built_at_start)
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    made_later = {"request": []}
    assert _walked(made_later)   # what requests make is still collected


class _Worker:
    log = logging.getLogger("test.gunicorn")


def test_gunicorn_workers_settle_once_their_app_is_loaded(restored_collector):
    hook = settings()["post_worker_init"]
    hook(_Worker())
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
