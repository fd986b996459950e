"""The call plan: how many cloud calls each OCCI operation costs.

Counted from the simulator's request log (every Synnefo API request it
served), after a warm-up, so per-user caches (identity, images, flavors)
are what a busy server has.  Shared by ``tests/functional/test_call_plan.py``
(which asserts the counts) and ``bench/bench_requests.py`` (which prints
them).
"""
from tests.functional.conftest import (
    COMPUTE, HOST, INFRA, OS_SCHEME, RES_SCHEME, SMALL, DEBIAN,
    entity_request,
)

STORAGE = INFRA + 'storage'
STORAGELINK = INFRA + 'storagelink'
NETWORK = INFRA + 'network'
NETWORKINTERFACE = INFRA + 'networkinterface'
IPNETWORK = 'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork'


def calls(cloud, operation):
    """Run ``operation()``; return the cloud calls it made as
    ``['METHOD /path?query', ...]``."""
    cloud.control.clear_requests()
    operation()
    return ['%s %s%s' % (r['method'], r['path'],
                         '?' + r['query'] if r.get('query') else '')
            for r in cloud.control.requests()]


def _created(res):
    return res.headers['Location'][len(HOST):]


class Account:
    """A user's account with ``vms`` computes, one of them carrying a
    network interface and a storage link, and the OCCI operations to
    count on it."""

    def __init__(self, user, vms=3):
        self.user = user
        self.computes = [user.create_compute(title='plan-%d' % i)
                         for i in range(vms)]
        self.compute = self.computes[0]
        self.network = _created(user.post('/network/', entity_request(
            'text/plain', NETWORK, [IPNETWORK], {
                'occi.core.title': 'plan',
                'occi.network.address': '10.77.0.0/24'}), status=201))
        self.storage = _created(user.post('/storage/', entity_request(
            'text/plain', STORAGE, [], {'occi.core.title': 'plan',
                                        'occi.storage.size': 1}),
            status=201))
        self.interface = _created(user.post(
            '/networkinterface/', entity_request(
                'text/plain', NETWORKINTERFACE, [], {
                    'occi.core.source': self.compute,
                    'occi.core.target': self.network}), status=201))
        self.storagelink = _created(user.post(
            '/storagelink/', entity_request(
                'text/plain', STORAGELINK, [], {
                    'occi.core.source': self.compute,
                    'occi.core.target': self.storage}), status=201))

    def create(self):
        return self.user.post('/compute/', entity_request(
            'text/plain', COMPUTE, [OS_SCHEME + DEBIAN, RES_SCHEME + SMALL],
            {'occi.core.title': 'plan-new'}), status=201)

    def operations(self):
        """``[(name, operation)]``: what the call plan covers.  The create
        and delete ones change the account (a compute comes and goes)."""
        user = self.user
        made = []

        def create():
            made.append(_created(self.create()))

        def delete():
            user.delete(made.pop() if made else self.computes[-1])

        return [
            ('GET compute entity text/plain',
             lambda: user.get(self.compute)),
            ('GET compute entity json',
             lambda: user.get(self.compute, 'application/occi+json')),
            ('GET network entity', lambda: user.get(self.network)),
            ('GET storage entity', lambda: user.get(self.storage)),
            ('GET networkinterface entity',
             lambda: user.get(self.interface)),
            ('GET storagelink entity', lambda: user.get(self.storagelink)),
            ('GET /compute/ text/plain', lambda: user.get('/compute/')),
            ('GET /compute/ text/occi',
             lambda: user.get('/compute/', 'text/occi')),
            ('GET /compute/ text/uri-list',
             lambda: user.get('/compute/', 'text/uri-list')),
            ('GET /compute/ json',
             lambda: user.get('/compute/', 'application/occi+json')),
            ('GET /compute/ filtered', lambda: user.get(
                '/compute/', headers={
                    'Content-Type': 'text/occi',
                    'X-OCCI-Attribute': 'occi.core.title="plan-1"'})),
            ('GET /-/ (warm)', lambda: user.get('/-/')),
            ('GET /compute/0 (404)',
             lambda: user.get('/compute/0', status=404)),
            ('GET /nowhere/ (404)',
             lambda: user.get('/nowhere/', status=404)),
            ('POST /compute/ templates, no links', create),
            ('DELETE compute', delete),
        ]

    def count(self, cloud):
        """``{operation: [calls]}``, each run once after a warm-up run."""
        operations = self.operations()
        for _, operation in operations:
            operation()
        return {name: calls(cloud, operation)
                for name, operation in operations}
