"""Waiting for an execution environment is first come, first served."""

import threading
import time

from flashlab.local.throttling import FifoSlots


def wait_until(condition) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the waiter never queued"
        time.sleep(0.001)


def test_freed_slots_go_to_waiters_in_arrival_order():
    slots = FifoSlots(1)
    assert slots.acquire()
    served: list[int] = []

    def waiter(n: int) -> None:
        slots.acquire()
        served.append(n)
        slots.release()

    threads = []
    for n in range(8):  # queue them one at a time, so arrival order is known
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        threads.append(thread)
        wait_until(lambda n=n: slots.waiting == n + 1)
    slots.release()
    for thread in threads:
        thread.join(10)
    assert served == list(range(8))


def test_a_newcomer_never_takes_a_slot_while_others_wait():
    slots = FifoSlots(1)
    assert slots.acquire()
    waiter = threading.Thread(target=slots.acquire)
    waiter.start()
    wait_until(lambda: slots.waiting == 1)
    slots.release()  # handed to the waiter, not left free
    waiter.join(10)
    assert not slots.acquire(blocking=False)
    slots.release()
    assert slots.acquire(blocking=False)


def test_beyond_the_waiting_bound_a_caller_is_refused_at_once():
    # GIVEN one slot taken and two callers waiting: the most that may wait
    slots = FifoSlots(1, max_waiting=2)
    assert slots.acquire()
    waiters = [threading.Thread(target=slots.acquire) for _ in range(2)]
    for n, waiter in enumerate(waiters):
        waiter.start()
        wait_until(lambda n=n: slots.waiting == n + 1)
    # WHEN one more arrives THEN it is refused without waiting (Lambda throttles, the gateway answers 429)
    started = time.monotonic()
    assert not slots.acquire()
    assert time.monotonic() - started < 1
    # AND the waiters still get their turns, in order
    for _ in waiters:
        slots.release()
    for waiter in waiters:
        waiter.join(10)
        assert not waiter.is_alive()
