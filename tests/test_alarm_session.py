"""alarm_session: the time limits inside it are the same limits as without it, and it leaves SIGALRM as it was."""

import os
import pickle
import signal
import time

import pytest

from symbp.judge.budget import TimeLimit, alarm_session, run_forked, time_left, time_limit


def _sleeps_past(limit, sleep):
    """The seconds after which ``time_limit(limit)`` stopped a sleep of ``sleep`` seconds (None: it did not)."""
    t0 = time.monotonic()
    try:
        with time_limit(limit):
            time.sleep(sleep)
    except TimeLimit:
        return time.monotonic() - t0
    return None


def test_a_limit_in_a_session_stops_the_work_at_its_own_deadline():
    with alarm_session():
        stopped = _sleeps_past(0.2, 5)
    assert stopped is not None and 0.19 <= stopped < 1.5


def test_many_limits_in_a_session_set_the_timer_once_and_the_last_still_fires():
    calls = []
    real = signal.setitimer

    def counting(which, seconds, interval=0.0):
        calls.append(seconds)
        return real(which, seconds, interval)
    signal.setitimer = counting
    try:
        with alarm_session():
            for _ in range(200):
                with time_limit(30):
                    pass
            stopped = _sleeps_past(0.2, 5)    # set for 30 s from the first limit: this one sets it again, earlier
    finally:
        signal.setitimer = real
    assert stopped is not None
    assert len([s for s in calls if s > 0]) <= 3    # the first limit, this last one (and nothing for the 199 between)


def test_an_enclosing_limit_still_fires_after_an_inner_one_fired_and_was_caught():
    with alarm_session():
        t0 = time.monotonic()
        with pytest.raises(TimeLimit) as outer:
            with time_limit(0.6):
                assert _sleeps_past(0.1, 5) is not None    # the inner limit fired: the timer is now unset
                time.sleep(5)                              # the enclosing limit must set it again and stop this
        assert 0.55 <= time.monotonic() - t0 < 2.5
    assert outer.value.seconds == 0.6


def test_an_inner_limit_that_would_end_later_leaves_the_enclosing_one_in_charge():
    with alarm_session():
        with pytest.raises(TimeLimit) as stopped:
            with time_limit(0.2):
                with time_limit(30):
                    time.sleep(5)
    assert stopped.value.seconds == 0.2


def test_time_left_reads_the_session_s_limits_not_its_timer():
    with alarm_session():
        assert time_left() is None
        with time_limit(30):
            for _ in range(50):
                with time_limit(40):    # later than the enclosing one: nothing new
                    pass
            assert 29 < time_left() <= 30
        assert time_left() is None      # the timer may still be set (lazily): no limit is left


def test_a_session_leaves_sigalrm_and_its_timer_as_they_were():
    def mine(signum, frame):
        pass
    before = signal.signal(signal.SIGALRM, mine)
    try:
        with alarm_session():
            with time_limit(30):
                pass
            assert signal.getsignal(signal.SIGALRM) is not mine
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, before)


def test_a_timer_set_by_someone_else_keeps_its_owner_in_charge():
    fired = []

    def theirs(signum, frame):
        fired.append(signum)
    before = signal.signal(signal.SIGALRM, theirs)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with alarm_session():
            assert signal.getsignal(signal.SIGALRM) is theirs    # no session: the limits below are the plain ones
            with time_limit(30):
                pass
            assert signal.getsignal(signal.SIGALRM) is theirs
            time.sleep(1)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


def test_a_child_forked_in_a_session_keeps_none_of_its_parent_s_limits_and_its_own_work():
    """As without a session (a fork keeps no timer): the parent's limit never fires in the child, where it would
    unwind the parent's code; the child's own limits still stop it; the parent's limit still fires in the parent."""
    r, w = os.pipe()
    t0 = time.monotonic()
    with pytest.raises(TimeLimit):
        with alarm_session():
            with time_limit(0.3):
                pid = os.fork()
                if pid == 0:
                    code = 1
                    try:
                        os.close(r)
                        time.sleep(0.6)     # past the parent's limit: nothing fires here
                        out = b"slept"
                        try:
                            with time_limit(0.1):
                                time.sleep(5)
                        except TimeLimit:
                            out += b", stopped"
                        os.write(w, out)
                        code = 0
                    finally:
                        os._exit(code)
                os.close(w)
                time.sleep(5)   # the parent's limit stops this
    assert time.monotonic() - t0 < 2.5
    os.waitpid(pid, 0)
    with os.fdopen(r, "rb") as inbox:
        assert inbox.read() == b"slept, stopped"


def test_run_forked_in_a_session_gives_the_results_of_its_thunks():
    with alarm_session():
        with time_limit(30):
            assert run_forked([lambda: 6 * 7, lambda: pickle.dumps("x") is not None], 20) == [42, True]


def test_a_limit_entered_while_the_timer_is_set_for_an_earlier_one_still_fires_at_its_own_deadline():
    with alarm_session():
        with time_limit(0.2):    # sets the timer for 0.2 s from now, and leaves it set
            pass
        t0 = time.monotonic()
        stopped = _sleeps_past(0.8, 5)    # the timer fires at 0.2 s for nothing, and is set again for this one
    assert stopped is not None and 0.75 <= time.monotonic() - t0 < 2.5
