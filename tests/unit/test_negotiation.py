"""Content negotiation and the caller's token, without WSGI."""
import base64

import pytest
from webob.acceptparse import create_accept_header

from occi_pyramid.exceptions import OCCINotAcceptable


def negotiate(accept, offers=None):
    from occi_pyramid.negotiation import LISTING_OFFERS, negotiate

    return negotiate(create_accept_header(accept),
                     offers or LISTING_OFFERS)


@pytest.mark.parametrize('accept, expected', [
    (None, 'text/plain'),
    ('', 'text/plain'),
    ('*/*', 'text/plain'),
    ('text/*', 'text/plain'),
    ('text/occi', 'text/occi'),
    ('application/occi+json', 'application/occi+json'),
    ('application/json', 'application/json'),
    ('text/uri-list', 'text/uri-list'),
    ('text/occi;q=0.5, application/occi+json', 'application/occi+json'),
    ('image/png, */*;q=0.1', 'text/plain'),
    ('garbage;;;', 'text/plain'),
])
def test_negotiate(accept, expected):
    assert negotiate(accept) == expected


def request_for(accept, context=None):
    from pyramid.request import Request

    request = Request.blank('/', headers={} if accept is None
                            else {'Accept': accept})
    request.context = context
    return request


@pytest.mark.parametrize('accept, expected', [
    (None, 'text/plain'), ('', 'text/plain'), ('garbage;;;', 'text/plain'),
    ('text/occi;q=0.5, application/occi+json', 'application/occi+json'),
])
def test_a_request_format_is_negotiated_once_per_accept(accept, expected):
    """occi_format keeps what an Accept header negotiated to, per set of
    offers; a kept answer is the one negotiation gives."""
    from occi_pyramid import negotiation

    negotiation._negotiated.clear()
    for _ in range(2):
        assert negotiation.occi_format(request_for(accept)) == expected
        assert negotiation._negotiated == {
            (accept, negotiation.ENTITY_OFFERS): expected}


def test_a_406_is_never_kept_and_the_kept_are_bounded(monkeypatch):
    from occi_pyramid import negotiation

    negotiation._negotiated.clear()
    for _ in range(2):
        with pytest.raises(OCCINotAcceptable):
            negotiation.occi_format(request_for('text/uri-list'))
    assert negotiation._negotiated == {}
    monkeypatch.setattr(negotiation, '_NEGOTIATED_MAX', 3)
    for q in range(10):
        negotiation.occi_format(request_for('text/occi;q=0.%d' % (q + 1)))
        assert 0 < len(negotiation._negotiated) <= 3


def test_nothing_acceptable_is_406_naming_the_offers():
    from occi_pyramid.negotiation import ENTITY_OFFERS

    with pytest.raises(OCCINotAcceptable) as info:
        negotiate('text/uri-list', ENTITY_OFFERS)
    assert 'text/uri-list' in info.value.message
    assert 'text/plain' in info.value.message


def test_listings_offer_uri_lists_and_entities_do_not():
    from pyramid import testing
    from zope.interface import alsoProvides

    from occi_pyramid.interfaces import ICompute, IKindCollection
    from occi_pyramid.negotiation import offers_for

    collection, entity = testing.DummyResource(), testing.DummyResource()
    alsoProvides(collection, IKindCollection)
    alsoProvides(entity, ICompute)
    assert 'text/uri-list' in offers_for(collection)
    assert 'text/uri-list' not in offers_for(entity)


def request(**headers):
    from pyramid.request import Request

    return Request.blank('/', headers=headers)


@pytest.mark.parametrize('headers, token', [
    ({'X-Auth-Token': ' t1 '}, 't1'),
    ({'Authorization': 'Basic ' + base64.b64encode(b'alice:t2').decode()},
     't2'),
    ({'Authorization': 'Basic ' + base64.b64encode(b'alice:').decode()},
     None),
    ({'Authorization': 'Basic !!!'}, None),
    ({'Authorization': 'Bearer t3'}, None),
    ({'X-Auth-Token': 't1', 'Authorization': 'Basic ' + base64.b64encode(
        b'a:t2').decode()}, 't1'),
    ({}, None),
])
def test_auth_token(headers, token):
    from occi_pyramid.negotiation import auth_token

    assert auth_token(request(**headers)) == token


@pytest.mark.parametrize('agent, version', [
    (None, None),
    ('curl/8.5', None),
    ('rOCCI-cli/4.3.10 OCCI/1.1', '1.1'),
    ('x OCCI/1.1 OCCI/1.2', '1.2'),
    ('x occi/1.2', '1.2'),
    # the client speaks 1.1: serve it, whatever else it names
    ('x OCCI/1.1 OCCI/9.9', '1.1'),
    ('x OCCI/9.9 OCCI/1.2', '1.2'),
])
def test_client_version_is_the_highest_we_speak(agent, version):
    from occi_pyramid.negotiation import client_version

    assert client_version(agent) == version


@pytest.mark.parametrize('agent', ['x OCCI/9.9', 'x OCCI/1.0 OCCI/2.0'])
def test_no_version_we_speak_is_501_naming_them(agent):
    from occi_pyramid.exceptions import OCCINotImplemented
    from occi_pyramid.negotiation import client_version

    with pytest.raises(OCCINotImplemented) as info:
        client_version(agent)
    assert agent.split(' ', 1)[1].replace(' ', ', ') in info.value.message
    assert 'OCCI/1.1, OCCI/1.2' in info.value.message


def test_request_ids_are_16_hex_digits_and_differ_after_a_fork():
    """Request ids come from a generator of the process's own, seeded
    again in a forked child (or two processes would hand out the same
    ids)."""
    import os
    import re

    from occi_pyramid.tweens import new_request_id

    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r'[0-9a-f]{16}', i) for i in ids)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    assert re.fullmatch(r'[0-9a-f]{16}', child)
    assert child != new_request_id()
