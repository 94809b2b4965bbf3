"""Play the planned work orders through the services, in committed batches.

Each batch is two transactions. Creation runs in this process, batch after batch, because the
number counter stays locked until the creating transaction commits and numbers must follow
creation time. The rest of each work order's life (assign, transitions, notes, comments) touches
only that batch's rows, so on machines with cores to spare it runs in worker processes while
the next batch is being created.

What is committed is recorded for a resumed run: the created batches are the work orders that
exist; the batches whose life is committed are bits of the `demo_seed_batches` counter.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tqdm import tqdm

from dispatch import clock, db
from dispatch.actors import Actor
from dispatch.models import Counter, Organisation, WorkOrder
from dispatch.seed.history import Plan
from dispatch.workorders import numbers, service

BATCH = 100
DONE_COUNTER = "demo_seed_batches"
MAX_BATCHES = 63  # one bit each in a BIGINT counter


@dataclass(frozen=True)
class Committed:
    created: int      # work orders that exist (whole batches, in plan order)
    lived: int        # bit k set: the life of batch k is committed


def batch_size(n: int) -> int:
    return max(BATCH, math.ceil(n / MAX_BATCHES))


def is_complete(n: int, committed: Committed) -> bool:
    batches = math.ceil(n / batch_size(n))
    return committed.created >= n and committed.lived == (1 << batches) - 1


def replay(plans: list[Plan], actors: dict[str, Actor], org_id: str, committed: Committed, *,
           progress: bool, workers: int | None = None) -> None:
    size = batch_size(len(plans))
    batches = [k for k in range(math.ceil(len(plans) / size)) if not committed.lived >> k & 1]
    existing = _existing_ids(org_id) if committed.created else {}
    done = len(plans) - sum(len(plans[k * size:(k + 1) * size]) for k in batches)
    if workers is None:
        # This process and its PostgreSQL backend already fill two cores (measured: a worker
        # did not help there); on bigger machines the lives get the spare cores.
        spare = (os.cpu_count() or 1) - 2
        workers = 0 if len(batches) <= 2 else max(0, min(3, spare))
    with tqdm(total=len(plans), initial=done, disable=not progress, file=sys.stderr,
              desc="demo work orders", unit="wo", dynamic_ncols=True) as bar, \
            _Lives(workers, plans, actors, org_id, on_done=bar.update) as lives:
        for k in batches:
            lo, hi = k * size, min(len(plans), (k + 1) * size)
            ids = ([existing[numbers.format_number(i + 1)] for i in range(lo, hi)]
                   if lo < committed.created else _create_batch(plans[lo:hi], actors, org_id))
            lives.submit(k, lo, ids)


def _existing_ids(org_id: str) -> dict[str, str]:
    with db.session_scope() as session:
        return dict(session.execute(select(WorkOrder.number, WorkOrder.id)
                                    .where(WorkOrder.org_id == org_id)).all())


def _create_batch(plans: list[Plan], actors: dict[str, Actor], org_id: str) -> list[str]:
    ids = []
    with db.session_scope() as session:
        # The identity map holds objects weakly; keeping the organisation alive spares
        # service.create a query for it on every call.
        _alive = session.get(Organisation, org_id)
        for plan in plans:
            step = plan.steps[0]
            with clock.frozen(step.at):
                ids.append(service.create(session, actors[step.who], step.args["data"]).id)
    return ids


def live_batch(plans: list[Plan], actors: dict[str, Actor], org_id: str, k: int,
               ids: list[str]) -> int:
    """Everything after creation for one batch, in one transaction. Returns the batch size."""
    with db.session_scope() as session:
        # One query loads the batch and keeps it alive: the services still select each work
        # order FOR UPDATE, but find it in the identity map instead of rebuilding it.
        _alive = [session.get(Organisation, org_id),
                  *session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids)))]
        for plan, wo_id in zip(plans, ids, strict=True):
            for step in plan.steps[1:]:
                with clock.frozen(step.at):
                    _OPS[step.op](session, actors[step.who], wo_id, **step.args)
        session.execute(update(Counter)
                        .where(Counter.org_id == org_id, Counter.name == DONE_COUNTER)
                        .values(value=Counter.value.bitwise_or(1 << k)))
    return len(plans)


def _assign(session: Session, actor: Actor, wo_id: str, technician_id: str,
            reason: str | None) -> None:
    service.assign(session, actor, wo_id, technician_id, reason)


def _transition(session: Session, actor: Actor, wo_id: str, to: str, reason: str | None) -> None:
    service.transition(session, actor, wo_id, to, reason=reason)


def _update(session: Session, actor: Actor, wo_id: str, changes: dict) -> None:
    version = session.get(WorkOrder, wo_id).version  # in the identity map: no query
    service.update(session, actor, wo_id, changes, expected_version=version)


def _comment(session: Session, actor: Actor, wo_id: str, body: str) -> None:
    service.add_comment(session, actor, wo_id, body)


_OPS = {"assign": _assign, "transition": _transition, "update": _update, "comment": _comment}


# --- running the lives: here, or in worker processes ------------------------------------------

class _Lives:
    def __init__(self, workers: int, plans: list[Plan], actors: dict[str, Actor], org_id: str,
                 on_done: Callable[[int], object]):
        self.plans, self.actors, self.org_id, self.on_done = plans, actors, org_id, on_done
        self.pending: list[Future] = []
        self.pool = None
        if workers > 0:
            # fork, not spawn: spawn re-runs the caller's main module in each child, which an
            # unguarded script turns into a second seed. The child drops the inherited pool.
            self.pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_init_worker,
                initargs=(db.engine().url.render_as_string(hide_password=False), plans, actors,
                          org_id))

    def submit(self, k: int, lo: int, ids: list[str]) -> None:
        if self.pool is None:
            self.on_done(live_batch(self.plans[lo:lo + len(ids)], self.actors, self.org_id, k,
                                    ids))
            return
        self.pending.append(self.pool.submit(_live_in_worker, k, lo, ids))
        self._collect(wait=False)  # a failed batch stops the seed now, not at the end

    def _collect(self, *, wait: bool) -> None:
        for future in list(self.pending):
            if wait or future.done():
                self.on_done(future.result())
                self.pending.remove(future)

    def __enter__(self) -> _Lives:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.pool is None:
            return
        try:
            if exc_type is None:
                self._collect(wait=True)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


_worker: dict = {}


def _init_worker(url: str, plans: list[Plan], actors: dict[str, Actor], org_id: str) -> None:
    db.dispose_after_fork()  # the parent's sockets stay the parent's
    db.configure(url, pool_size=1)
    _worker.update(plans=plans, actors=actors, org_id=org_id)


def _live_in_worker(k: int, lo: int, ids: list[str]) -> int:
    return live_batch(_worker["plans"][lo:lo + len(ids)], _worker["actors"], _worker["org_id"],
                      k, ids)
