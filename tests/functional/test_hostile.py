"""Hostile requests (issue 15): authentication before any body work,
bounded parse work, no 500 for bytes Pyramid cannot decode, and dot
segments that never climb out of a collection."""
import json
import logging

import pytest

from occi_pyramid import parsers
from occi_pyramid.exceptions import OCCIParseError, OCCIRequestTooLarge
from tests.e2e.conftest import CREATE_BODY
from tests.functional.conftest import ALICE

MADE_UP = 'made-up-token-0123456789'
JSON = 'application/occi+json'



def send(app, method, path, body=b'', token=ALICE, content_type=JSON):
    headers = {'Content-Type': content_type}
    if token:
        headers['X-Auth-Token'] = token
    return app.request(path, method=method, headers=headers, body=body,
                       expect_errors=True)


def create_compute(app):
    res = send(app, 'POST', '/compute/', CREATE_BODY.encode(),
               content_type='text/plain')
    assert res.status_int == 201, res.text
    return '/compute/' + res.location.rsplit('/', 1)[1]


# -- 1. the token first, then bounded parsing ---------------------------------

@pytest.mark.parametrize('path', ['/compute/', '/', '/compute/?action=stop',
                                  '/-/'])
def test_a_made_up_token_gets_401_before_the_body_is_parsed(cloud, path):
    # the body is malformed: parsing it first would answer 400
    res = send(cloud.app, 'POST', path, b'{"links": [{}, {}', MADE_UP)
    assert res.status_int == 401, res.text
    assert 'WWW-Authenticate' in res.headers


@pytest.mark.parametrize('content_type', [
    'application/x-www-form-urlencoded', 'text/plain'])
@pytest.mark.parametrize('where', ['entity', '/compute/', '/tags/form/'])
def test_action_in_the_body_not_the_query_is_a_client_error(cloud, where,
                                                            content_type):
    """``action`` belongs in the query (``?action=``); named only in a form
    body it is no action, and the body gets the answer any body does, not
    a 500 for an action missing from the query."""
    tags = 'Category: form; scheme="http://example.org/tags#"; ' \
        'class="mixin"; location="/tags/form/"'
    send(cloud.app, 'POST', '/-/', tags.encode(), content_type='text/plain')
    try:
        path = create_compute(cloud.app) if where == 'entity' else where
        res = send(cloud.app, 'POST', path, b'action=stop',
                   content_type=content_type)
        assert 400 <= res.status_int < 500, res.text
        assert res.status_int != 404, res.text
    finally:
        send(cloud.app, 'DELETE', '/-/', tags.replace(
            '; location="/tags/form/"', '').encode(),
            content_type='text/plain')


def test_a_made_up_token_gets_401_for_put_and_delete_bodies(cloud):
    path = create_compute(cloud.app)
    for method, where in (('PUT', path), ('DELETE', '/-/')):
        res = send(cloud.app, method, where, b'[' * 5000, MADE_UP)
        assert res.status_int == 401, (method, res.text)


def test_too_many_links_is_413_naming_the_limit(cloud):
    body = json.dumps({'kind': 'http://schemas.ogf.org/occi/'
                               'infrastructure#compute',
                       'links': [{}] * (parsers.LIMITS['links'] + 1)})
    res = send(cloud.app, 'POST', '/compute/', body.encode())
    assert res.status_int == 413
    assert 'more than %d links' % parsers.LIMITS['links'] in res.text


def test_json_nested_1000_levels_is_400_naming_the_limit(cloud):
    for depth in (parsers.MAX_JSON_DEPTH + 1, 1000, 30000):
        body = b'{"attributes": {"x": ' + b'[' * depth + b']' * depth + b'}}'
        res = send(cloud.app, 'POST', '/compute/', body)
        assert res.status_int == 400, (depth, res.text)
        assert 'deeper than %d levels' % parsers.MAX_JSON_DEPTH in res.text


@pytest.mark.parametrize('document, limit', [
    ({'attributes': {'a%d' % i: 1 for i in range(501)}}, 'attributes'),
    ({'mixins': ['http://e.org/x#m%d' % i for i in range(101)]},
     'categories'),
    ({'resources': [{}] * 1001}, 'entities'),
    (['/compute/%d' % i for i in range(1001)], 'locations'),
])
def test_json_counts_are_limited(document, limit):
    with pytest.raises(OCCIRequestTooLarge, match='more than %d %s' % (
            parsers.LIMITS[limit], limit)):
        parsers.parse_request(JSON, json.dumps(document).encode())


def test_json_values_are_limited_before_any_item_is_parsed():
    body = json.dumps({'x': [[]] * (parsers.MAX_JSON_VALUES + 1)})
    with pytest.raises(OCCIRequestTooLarge, match='values'):
        parsers.parse_request(JSON, body.encode())


@pytest.mark.parametrize('line, limit', [
    ('Link: </network/1>; rel="http://e.org/x#y"', 'links'),
    ('Category: t; scheme="http://e.org/x#"; class="mixin"', 'categories'),
    ('X-OCCI-Location: /compute/1', 'locations'),
])
def test_text_counts_are_limited(line, limit):
    body = '\n'.join([line] * (parsers.LIMITS[limit] + 1)).encode()
    with pytest.raises(OCCIRequestTooLarge, match=limit):
        parsers.parse_request('text/plain', body)


def test_uri_lists_are_limited():
    with pytest.raises(OCCIRequestTooLarge, match='locations'):
        parsers.parse_request('text/uri-list', '\n'.join(
            ['/compute/1'] * (parsers.LIMITS['locations'] + 1)).encode())


def test_a_request_within_the_limits_still_parses():
    body = json.dumps({'links': [{'target': '/network/1'}] * 100,
                       'attributes': {'a': [[[1]]]}})
    assert len(parsers.parse_request(JSON, body.encode())['links']) == 100
    with pytest.raises(OCCIParseError):   # still the grammar's own 400
        parsers.parse_request(JSON, b'{"links": [1]}')


# -- 2. bytes Pyramid cannot decode: 400, one log line ------------------------

@pytest.mark.parametrize('path', ['/%ff', '/compute/%ff', '/%c3%28/',
                                  '/compute/?action=%ff', '/?%ff=1',
                                  '/-/?action=%fe%ff'])
@pytest.mark.parametrize('token', [ALICE, None])
def test_undecodable_bytes_are_400_with_one_log_line(cloud, caplog, path,
                                                     token):
    caplog.set_level(logging.INFO)
    res = send(cloud.app, 'POST' if 'action' in path else 'GET', path,
               token=token)
    assert res.status_int == 400, res.text
    assert 'not valid UTF-8' in res.text
    lines = [r for r in caplog.records if r.name.startswith('occi_pyramid')]
    assert [r.name for r in lines] == ['occi_pyramid.request']
    assert lines[0].exc_info is None
    assert ' 400 ' in lines[0].getMessage()


# -- 3. dot segments never climb ----------------------------------------------

@pytest.mark.parametrize('path', [
    '/compute/%2e%2e/', '/compute/%2E%2E', '/compute/../', '/compute/.%2e/',
    '/compute/./', '/network/%2e%2e/compute/', '/compute/x/%2e%2e/',
])
def test_dot_segments_are_400_and_delete_nothing(cloud, path):
    vm = create_compute(cloud.app)
    res = send(cloud.app, 'DELETE', path)
    assert res.status_int == 400, res.text
    assert 'segment' in res.text
    assert send(cloud.app, 'GET', vm).status_int == 200


@pytest.mark.parametrize('path, exact', [
    ('/compute', '/compute/'), ('//', '/'), ('/compute//', '/compute/'),
])
def test_a_bulk_delete_answers_only_its_exact_path(cloud, path, exact):
    vm = create_compute(cloud.app)
    res = send(cloud.app, 'DELETE', path)
    assert res.status_int == 400, res.text
    assert 'exactly' in res.text and exact in res.text
    assert send(cloud.app, 'GET', vm).status_int == 200
    assert send(cloud.app, 'DELETE', '/compute/').status_int == 200
    assert send(cloud.app, 'GET', vm).status_int == 404
