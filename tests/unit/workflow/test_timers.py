"""Clocks and timers of the pure core."""
import pytest

from mistral.workflow import timers


def test_manual_clock_moves_only_when_told():
    clock = timers.ManualClock(10)
    assert clock.now() == 10
    clock.advance(2.5)
    assert clock.now() == 12.5
    clock.advance_to(12)          # never backwards
    assert clock.now() == 12.5
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_timers_fire_in_due_order_then_schedule_order():
    clock = timers.ManualClock()
    queue = timers.TimerQueue(clock)
    queue.schedule('late', 5)
    queue.schedule('first', 1)
    queue.schedule('second', 1)
    assert queue.pop_due() is None
    assert queue.next_due() == 1
    clock.advance_to(queue.next_due())
    assert [queue.pop_due().kind, queue.pop_due().kind] == ['first', 'second']
    assert queue.pop_due() is None and len(queue) == 1
    clock.advance(10)
    assert queue.pop_due().kind == 'late'
    assert queue.next_due() is None


def test_system_clock_does_not_go_backwards():
    clock = timers.SystemClock()
    assert clock.now() <= clock.now()
