"""The wait before a retried conflict: random, growing, capped."""

import random

from ostiary.retry import FIRST_WAIT, LONGEST_WAIT, backoff


def test_the_wait_is_random_below_a_limit_that_doubles_with_each_attempt():
    rng = random.Random(7)
    for attempt in range(4):
        limit = FIRST_WAIT * 2**attempt
        waits = [backoff(attempt, rng) for _ in range(2000)]
        assert all(0 <= wait <= limit for wait in waits)
        assert max(waits) > 0.9 * limit and min(waits) < 0.1 * limit  # spread over the whole range


def test_no_wait_is_longer_than_the_cap():
    rng = random.Random(7)
    waits = [backoff(attempt, rng) for attempt in range(5, 40) for _ in range(100)]
    assert max(waits) <= LONGEST_WAIT
    assert max(waits) > 0.9 * LONGEST_WAIT
