"""The checks around traversal run without Pyramid's events
(occi_pyramid/checks.py): the same answers at the same points, and
no subscriber left to turn the events back on."""
import pytest

OCCI_UA = 'rOCCI-cli/4.3 OCCI/1.0'


def test_no_event_subscriber(cloud):
    assert cloud.app.app.registry.has_listeners is False


@pytest.mark.parametrize('path', ['/compute/1', '/nowhere/', '/compute/'])
def test_a_request_without_a_token_is_401_wherever_it_goes(cloud, path):
    res = cloud.app.get(path, status=401)
    assert 'WWW-Authenticate' in res.headers
    assert res.headers['Server'].endswith('OCCI/1.1 OCCI/1.2')


def test_an_unspoken_occi_version_is_501_before_traversal(alice):
    res = alice.get('/nowhere/', headers={'User-Agent': OCCI_UA},
                    status=501)
    assert 'OCCI/1.0' in res.text


def test_an_unacceptable_type_is_406_before_the_view(alice):
    res = alice.get('/compute/', fmt='image/png', status=406)
    assert res.headers['Accept'].startswith('text/plain')


def test_the_token_is_checked_before_the_body_is_read(cloud):
    res = cloud.app.post('/compute/', b'\xff not a body', headers={
        'X-Auth-Token': 'made-up-token', 'Content-Type': 'text/plain'},
        status=401)
    assert 'X-Request-Id' in res.headers


def test_a_collection_delete_names_the_collection_exactly(alice):
    res = alice.delete('/compute', status=400)
    assert '/compute/' in res.text
