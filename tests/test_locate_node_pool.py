"""The open nodes shared by the p-median tree's worker threads (planner/locate/_node_pool.py)."""

from __future__ import annotations

import threading

from planner.locate._node_pool import NodePool  # noqa: PLC2701  (the tree's shared pool, checked directly)


def test_take_gives_the_best_node_and_ends_when_empty_with_nobody_busy() -> None:
    pool = NodePool([5, 1, 3])
    assert [pool.take(), pool.take()] == [1, 3]
    pool.done()
    pool.put(2)
    assert pool.take() == 2
    pool.done()
    assert pool.take() == 5
    pool.done()
    pool.done()
    assert pool.take() is None  # empty, and nobody holds a node that could add children


def test_a_waiting_worker_gets_the_node_a_busy_one_adds() -> None:
    pool = NodePool([1])
    assert pool.take() == 1  # this worker is busy with node 1
    got: list[int | None] = []
    waiting = threading.Thread(target=lambda: got.append(pool.take()))
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive()  # the pool is empty, but the busy worker may still add children
    pool.put(7)
    waiting.join(5)
    assert got == [7]


def test_stop_ends_the_search_for_every_worker_and_keeps_the_unfinished_node_open() -> None:
    pool = NodePool([4, 9])
    node = pool.take()
    assert node == 4
    pool.stop([node])
    assert pool.take() is None and pool.stopped
    assert sorted(pool.open_nodes()) == [4, 9]
