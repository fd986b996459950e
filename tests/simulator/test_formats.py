"""The simulator's timestamp form against datetime's own."""
import datetime
import random

from occi_pyramid.simulator.core import isoformat


def reference(timestamp):
    moment = datetime.datetime.fromtimestamp(timestamp,
                                             datetime.timezone.utc)
    return moment.isoformat(timespec='microseconds')


def test_isoformat_is_datetimes():
    """Formatted from a per-second cache, rounded by hand: the same
    text as datetime gives, halves of a microsecond included."""
    rng = random.Random(7)
    now = 1.8e9
    samples = [0.0, 1.0, now, now + 0.9999995, now + 0.0000005,
               now + 0.0000015, now + 0.5, 86399.9999999, 951782400.25]
    samples += [rng.uniform(0, 4e9) for _ in range(20000)]
    samples += [int(now) + rng.randrange(10 ** 6) / 1e6 + 5e-7
                for _ in range(20000)]
    for timestamp in samples:
        assert isoformat(timestamp) == reference(timestamp), timestamp
        assert isoformat(timestamp) == reference(timestamp), timestamp
    assert isoformat(None) is None
