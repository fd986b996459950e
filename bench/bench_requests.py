"""Request cost of the OCCI layer, as ratios against a baseline measured in
the same run. Run by hand:

    .venv/bin/python bench/bench_requests.py [--vms 40] [--rounds 30]
        [--latency 0.05]

Baseline: the cloud calls any Synnefo OCCI server must make for the same
answer, made directly through kamaki (the backend session), one after the
other as a straightforward server does, so the ratio is what our parsing,
traversal, translation and rendering add on top of the cloud, less what
our parallel list calls save. ``--latency`` gives every cloud call a round
trip (the simulator's ``simulator.latency``): a cloud across a WAN. A
second table renders a large collection in each format against
``json.dumps`` of the same data (the cheapest possible serialisation).
Memory: peak Python allocation (tracemalloc) per request, same baseline.

A third table is the call plan: the cloud calls each OCCI operation
makes once caches are warm (counted from the simulator's request log, as
``tests/functional/test_call_plan.py`` asserts them), against the fewest
any Synnefo OCCI server needs for the same answer.
"""
import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from pyramid.paster import get_appsettings  # noqa: E402

from tests.functional.conftest import (  # noqa: E402
    ALICE, Cloud, OCCI,
)


def timed(func, rounds):
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def peak(func):
    tracemalloc.start()
    func()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--vms', type=int, default=40)
    parser.add_argument('--rounds', type=int, default=30)
    parser.add_argument('--latency', type=float, default=0.0,
                        help='seconds of round trip per cloud call')
    args = parser.parse_args()

    ini = os.path.join(os.path.dirname(HERE), 'testing.ini')
    settings = dict(get_appsettings(ini), **{
        'occi.synnefo.cache_ttl': '60',
        'occi.simulator.latency': str(args.latency)})
    cloud = Cloud(settings)
    cloud.control.reset()
    cloud.control.set_quota(ALICE, {'cyclades.vm': args.vms + 5,
                                    'cyclades.cpu': 4 * args.vms,
                                    'cyclades.total_cpu': 4 * args.vms,
                                    'cyclades.ram': 8 << 40,
                                    'cyclades.total_ram': 8 << 40,
                                    'cyclades.disk': 8 << 50})
    user = OCCI(cloud, ALICE)
    first = None
    for i in range(args.vms):
        path = user.create_compute(title='bench-%d' % i)
        first = first or path

    from occi_pyramid.backends.synnefo import SynnefoBackend
    from occi_pyramid.interfaces import IBackend

    backend = cloud.app.app.registry.getUtility(IBackend)
    assert isinstance(backend, SynnefoBackend)

    def cloud_list():
        session = backend.api(ALICE)
        session.list_servers()
        session.list_flavors()
        session.list_images()

    def cloud_locations():
        backend.api(ALICE).list_servers(detail=False)

    def cloud_get():
        session = backend.api(ALICE)
        session.get_server(int(first.rsplit('/', 1)[1]))
        session.list_flavors()
        session.list_images()

    def templates():
        session = backend.api(ALICE)
        session.list_flavors()
        session.list_images()

    cases = [
        ('GET /compute/ text/plain', lambda: user.get('/compute/'),
         cloud_locations),
        ('GET /compute/ json (full entities)',
         lambda: user.get('/compute/', 'application/occi+json'), cloud_list),
        ('GET /compute/<id> text/plain', lambda: user.get(first), cloud_get),
        ('GET /compute/<id> json',
         lambda: user.get(first, 'application/occi+json'), cloud_get),
        ('GET /-/ text/plain', lambda: user.get('/-/'), templates),
        ('GET /-/ json', lambda: user.get('/-/', 'application/occi+json'),
         templates),
    ]
    for _, occi, base in cases:  # warm caches and pools
        occi(), base()

    print('%d VMs, %g s per cloud round trip, median of %d rounds; '
          'baseline = the same cloud calls through kamaki, one after the '
          'other' % (args.vms, args.latency, args.rounds))
    print('%-38s %10s %10s %7s %9s' % ('request', 'occi ms', 'base ms',
                                       'ratio', 'mem ratio'))
    for name, occi, base in cases:
        t_occi, t_base = timed(occi, args.rounds), timed(base, args.rounds)
        m_occi, m_base = peak(occi), peak(base)
        print('%-38s %10.2f %10.2f %7.2f %9.2f' % (
            name, t_occi * 1e3, t_base * 1e3, t_occi / t_base,
            m_occi / m_base))

    call_plan(cloud, user)

    # -- rendering alone ----------------------------------------------------
    from occi_pyramid import model
    from occi_pyramid.renderers import URLs, rendering_for

    entities = user.app.app.registry  # noqa: F841 (keeps the app alive)
    resources = []
    for i in range(500):
        resources.append(model.Resource(
            model.COMPUTE, str(i), '/compute/%d' % i, title='vm %d' % i,
            mixins=[model.OS_TPL], attributes={
                'occi.compute.state': 'active', 'occi.compute.cores': 2,
                'occi.compute.memory': 2.0,
                'occi.compute.hostname': 'snf-%d.example.org' % i},
            actions=[model.STOP, model.RESTART]))
    collection = model.Collection(resources)
    plain = [{'kind': r.kind.type_id, 'id': r.id, 'title': r.title,
              'attributes': r.attributes} for r in resources]
    urls = URLs('http://occi.example.org')

    def baseline():
        json.dumps(plain)

    print()
    print('rendering 500 computes; baseline = json.dumps of the same data')
    print('%-38s %10s %10s %7s' % ('rendering', 'ms', 'base ms', 'ratio'))
    t_base = timed(baseline, args.rounds)
    for media_type in ('text/plain', 'text/occi', 'text/uri-list',
                       'application/occi+json'):
        rendering = rendering_for(media_type, urls)
        t = timed(lambda: rendering.render(collection), args.rounds)
        print('%-38s %10.2f %10.2f %7.2f' % (media_type, t * 1e3,
                                             t_base * 1e3, t / t_base))
    detail = rendering_for('application/occi+json', urls)
    t = timed(lambda: [detail.render(r) for r in resources], args.rounds)
    print('%-38s %10.2f %10.2f %7.2f' % ('500 x single entity json',
                                         t * 1e3, t_base * 1e3, t / t_base))


#: the fewest cloud calls any Synnefo OCCI server needs for each answer
#: (caches warm: images, flavors and identity cost nothing)
FEWEST = {
    'GET compute entity text/plain': 1, 'GET compute entity json': 1,
    'GET network entity': 1, 'GET storage entity': 1,
    'GET networkinterface entity': 1, 'GET storagelink entity': 1,
    'GET /compute/ text/plain': 1, 'GET /compute/ text/occi': 1,
    'GET /compute/ text/uri-list': 1, 'GET /compute/ json': 1,
    'GET /compute/ filtered': 1, 'GET /-/ (warm)': 0,
    'GET /compute/0 (404)': 0, 'GET /nowhere/ (404)': 0,
    'POST /compute/ templates, no links': 1, 'DELETE compute': 1,
}


def call_plan(cloud, user):
    """Print the cloud calls per operation and their ratio to the fewest.
    """
    from tests.functional.callplan import Account

    counted = Account(user).count(cloud)
    print()
    print('cloud calls per operation (warm); baseline = the fewest any '
          'Synnefo OCCI server needs')
    print('%-38s %6s %6s %7s  %s' % ('operation', 'calls', 'base', 'ratio',
                                     'calls made'))
    for name, made in counted.items():
        base = FEWEST.get(name)
        ratio = ('%.2f' % (len(made) / base)) if base else (
            '-' if not made else 'inf')
        print('%-38s %6d %6s %7s  %s' % (
            name, len(made), base if base is not None else '?', ratio,
            ', '.join(made)))


if __name__ == '__main__':
    main()
