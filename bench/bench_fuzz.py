"""Hostile requests at scale: how many answers are defects. Run by hand:

    .venv/bin/python bench/bench_fuzz.py [--requests 12000] [--seed 1]

The server is the one ``tests/fuzz/test_http_fuzz.py`` drives (waitress in
this process on a free port, testing.ini's app on the embedded simulator,
an SQLite store file), fed the same generated requests: every method,
rendering, token, Host header, body shape and hostile byte the test
draws from, ``--requests`` of them.  It counts, and prints:

* defects: an answer 500 or above (503 from an unreachable cloud would be
  one too: the simulator is local and up), no answer at all, or an ERROR
  (a traceback) in the server's log;
* the statuses of the rest, and the requests per second.

It exits 1 when there is a defect, with the first few of them.
"""
import argparse
import collections
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from pyramid.paster import get_appsettings  # noqa: E402

from tests.fuzz.test_http_fuzz import requests, send, serving  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--requests', type=int, default=12000)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()

    app_settings = get_appsettings(os.path.join(ROOT, 'testing.ini'))
    with serving(app_settings, tempfile.mkdtemp(prefix='occi-fuzz-'),
                 threads=4) as target:
        started = time.perf_counter()
        statuses, defects = fuzz(target, args.requests, args.seed)
        elapsed = time.perf_counter() - started
    sent = sum(statuses.values())
    print('requests sent: %d in %.1f s (%.0f/s)' % (
        sent, elapsed, sent / elapsed if elapsed else 0))
    print('statuses: %s' % ', '.join(
        '%s x%d' % (status or 'no answer', count)
        for status, count in sorted(statuses.items())))
    print('defects (5xx, no answer, logged error): %d' % len(defects))
    for defect in defects[:10]:
        print('  %r' % (defect,))
    return 1 if defects else 0


def fuzz(target, count, random_seed):
    """Send ``count`` generated requests; return the statuses counted and
    the defects."""
    statuses = collections.Counter()
    defects = []
    errors = target.errors

    @seed(random_seed)
    @settings(max_examples=count, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(request=requests(target.paths, target.actions))
    def one(request):
        method, request_target, headers, body, hosts = request
        del errors.records[:]
        sent = send(target.port, method, request_target, headers, body,
                    hosts)
        statuses[sent.status] += 1
        logged = [r.getMessage()[:200] for r in errors.records]
        if not sent.status or sent.status >= 500 or logged:
            defects.append((sent.status, method, request_target[:120],
                            hosts, logged, sent.raw[:200]))

    one()
    return statuses, defects


if __name__ == '__main__':
    sys.exit(main())
