"""The Keystone flow of rOCCI (its Keystone authn plugin) end to end:
401 -> the identity URL from WWW-Authenticate -> GET it for the version
document -> POST <version self link>/tokens with password credentials (on
Synnefo the password is the token, the username the user uuid) -> retry
with X-Auth-Token.  The identity part runs over real HTTP against the
simulator, as a client would."""
import json
import re
import urllib.request

from occi_pyramid.simulator.testing import ALICE_UUID

KEYSTONE_URI = re.compile(r"^(Keystone|snf-auth) uri=(\"|')(.+)(\"|')$")


def http(method, url, body=None):
    request = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body else None,
        headers={'Content-Type': 'application/json',
                 'Accept': 'application/json'})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b'null')


def test_a_keystone_client_gets_in(cloud):
    res = cloud.app.get('/-/', status=401)
    match = KEYSTONE_URI.match(res.headers['WWW-Authenticate'])
    keystone = match.group(3)
    status, document = http('GET', keystone)
    assert status == 200
    assert document['version']['id'] == 'v2.0'
    self_link = [link['href'] for link in document['version']['links']
                 if link['rel'] == 'self'][0].rstrip('/')
    status, access = http('POST', self_link + '/tokens', {'auth': {
        'passwordCredentials': {'username': ALICE_UUID,
                                'password': 'alice-token'},
        'tenantName': ALICE_UUID}})
    token = access['access']['token']['id']
    res = cloud.app.get('/-/', headers={'X-Auth-Token': token})
    assert 'Category: compute;' in res.text


def test_the_unversioned_identity_url_lists_versions(cloud):
    res = cloud.app.get('/-/', status=401)
    keystone = KEYSTONE_URI.match(
        res.headers['WWW-Authenticate']).group(3)
    base = keystone.rstrip('/')[:-len('/v2.0')]
    status, document = http('GET', base + '/')
    assert [v['id'] for v in document['versions']['values']] == ['v2.0']
