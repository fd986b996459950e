"""§9.5 checks 1-7: identity (Astakos tokens API) over real HTTP."""
from occi_pyramid.simulator.testing import ALICE, ALICE_PROJECT, ALICE_UUID

from .conftest import fault

TOKENS = '/identity/v2.0/tokens'


def test_01_public_mode_has_catalog_only(sim):
    result = sim.client.call('POST', TOKENS, body=b'',
                             headers={'Content-Length': '0'})
    assert result.status == 200
    access = result.json['access']
    assert 'serviceCatalog' in access
    assert 'token' not in access and 'user' not in access


def test_01_token_mode(sim):
    result = sim.client.call('POST', TOKENS,
                             {'auth': {'token': {'id': ALICE}}})
    assert result.status == 200
    access = result.json['access']
    assert access['token']['id'] == ALICE
    assert access['token']['tenant']['id'] == ALICE_UUID
    assert access['user']['id'] == ALICE_UUID
    assert set(access['user']['projects']) == {ALICE_UUID, ALICE_PROJECT}
    assert access['user']['roles_links'] == []


def test_02_unknown_token(sim):
    result = sim.client.call('POST', TOKENS,
                             {'auth': {'token': {'id': 'nope'}}})
    fault(result, 'unauthorized', 401, 'Invalid token')


def test_03_password_credentials_of_another_user(sim):
    body = {'auth': {'passwordCredentials': {'username': 'someone-else',
                                             'password': ALICE}}}
    result = sim.client.call('POST', TOKENS, body)
    fault(result, 'unauthorized', 401, 'Invalid credentials')
    body['auth']['passwordCredentials']['username'] = ALICE_UUID
    assert sim.client.call('POST', TOKENS, body).status == 200


def test_03_missing_credentials(sim):
    result = sim.client.call('POST', TOKENS, {'auth': {}})
    fault(result, 'badRequest', 400, 'Malformed request: missing credentials')


def test_04_tenant_name(sim):
    body = {'auth': {'token': {'id': ALICE}, 'tenantName': ALICE_PROJECT}}
    result = sim.client.call('POST', TOKENS, body)
    fault(result, 'badRequest', 400, 'Not conforming tenantName')
    body['auth']['tenantName'] = ''
    assert sim.client.call('POST', TOKENS, body).status == 200
    body['auth']['tenantName'] = ALICE_UUID
    assert sim.client.call('POST', TOKENS, body).status == 200


def test_05_bad_bodies(sim):
    result = sim.client.call('POST', TOKENS, body='not json',
                             headers={'Content-Type': 'application/json'})
    fault(result, 'badRequest', 400, 'Could not decode request body as JSON')
    result = sim.client.call('POST', TOKENS, body='<auth/>',
                             headers={'Content-Type': 'application/xml'})
    fault(result, 'badRequest', 400,
          "Unsupported Content-type: 'application/xml'")


def test_06_get_on_tokens_is_405(sim):
    result = sim.client.call('GET', TOKENS)
    fault(result, 'notAllowed', 405, 'Method not allowed')
    assert result.headers['allow'] == 'POST'


def test_07_catalog(sim):
    result = sim.client.call('POST', TOKENS,
                             {'auth': {'token': {'id': ALICE}}})
    catalog = {e['type']: e for e in result.json['access']['serviceCatalog']}
    account = catalog['account']
    assert account['name'] == 'astakos_account'
    endpoint = account['endpoints'][0]
    assert endpoint['versionId'] == 'v1.0'
    assert endpoint['SNF:uiURL']
    assert endpoint['region'] == 'default'
    assert endpoint['publicURL'] == sim.url + '/account/v1.0'
    # versionless URLs exactly as Synnefo publishes them
    urls = {k: v['endpoints'][0]['publicURL'] for k, v in catalog.items()}
    assert urls['compute'] == sim.url + '/compute/v2.0'
    assert urls['network'] == sim.url + '/network'
    assert urls['volume'] == sim.url + '/volume'
    assert urls['image'] == sim.url + '/image'
    assert urls['identity'] == sim.url + '/identity/v2.0'
    for entry in catalog.values():
        assert entry['endpoints_links'] == []
        assert 'adminURL' not in entry['endpoints'][0]


def test_oauth2_token_validation_is_404(sim):
    result = sim.client.call('GET', TOKENS + '/' + ALICE)
    fault(result, 'itemNotFound', 404)


def test_account_quotas(sim):
    result = sim.client.call('GET', '/account/v1.0/quotas', token=ALICE)
    assert result.status == 200
    assert set(result.json) == {ALICE_UUID, ALICE_PROJECT}
    vm = result.json[ALICE_UUID]['cyclades.vm']
    assert set(vm) == {'usage', 'limit', 'pending', 'project_usage',
                       'project_limit', 'project_pending'}
    assert vm['usage'] == 0 and vm['limit'] == 10


def test_account_requires_token(sim):
    fault(sim.client.call('GET', '/account/v1.0/quotas'), 'unauthorized',
          401, 'Access denied. No authentication token')
    fault(sim.client.call('GET', '/account/v1.0/quotas', token='x'),
          'unauthorized', 401, 'Invalid token')
