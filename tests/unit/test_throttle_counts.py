"""The failed-sign-in counts per address, as the models keep them."""

from ostiary.models.throttle import Budget, LoginThrottle

BUDGET = Budget(failures=3, window=900, block=60)


def test_an_address_is_blocked_at_its_last_allowed_failure_and_not_before():
    throttle = LoginThrottle()
    assert not throttle.failed("a", BUDGET, when=1000)
    assert not throttle.failed("a", BUDGET, when=1001)
    assert not throttle.blocked("a", when=1002)
    assert throttle.failed("a", BUDGET, when=1002)
    assert throttle.blocked("a", when=1061) and not throttle.blocked("a", when=1062)


def test_failures_older_than_the_window_are_forgotten():
    throttle = LoginThrottle()
    throttle.failed("a", BUDGET, when=1000)
    throttle.failed("a", BUDGET, when=1001)
    assert not throttle.failed("a", BUDGET, when=1000 + 900)


def test_each_further_block_lasts_twice_as_long_up_to_the_limit():
    throttle, when, lengths = LoginThrottle(), 1000, []
    for _ in range(8):
        for _ in range(3):
            throttle.failed("a", BUDGET, when=when)
        blocked_until = throttle.entries["a"][2]
        lengths.append(blocked_until - when)
        when = blocked_until
    assert lengths == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_quiet_window_after_a_block_starts_small_again():
    throttle = LoginThrottle()
    for _ in range(3):
        throttle.failed("a", BUDGET, when=1000)
    for _ in range(3):
        throttle.failed("a", BUDGET, when=1060 + 900)
    assert throttle.entries["a"][2] == 1060 + 900 + 60


def test_pruning_removes_only_what_can_no_longer_matter():
    throttle = LoginThrottle()
    throttle.failed("old", BUDGET, when=1000)
    for _ in range(3):
        throttle.failed("blocked", BUDGET, when=1000)
    assert throttle.prune(1900) == 1
    assert list(throttle.entries) == ["blocked"]
    assert throttle.prune(1060 + 900) == 1
