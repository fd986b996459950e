"""The one reader of the locations clients give (no WSGI, no cloud)."""
import pytest
from pyramid import testing

from occi_pyramid import model
from occi_pyramid.categories import CategoryRegistry


def _callFUT(location, host='occi.example.org', script_name=''):
    from occi_pyramid.locations import local_path

    return local_path(location, host, script_name)


@pytest.mark.parametrize('location, expected', [
    ('/tags/x/', ('/tags/x/', '')),
    ('tags/x/', ('tags/x/', '')),
    ('http://occi.example.org/tags/x/', ('/tags/x/', '')),
    # a port the scheme implies names the same server (RFC 3986 6.2.3)
    ('http://occi.example.org:80/tags/x/', ('/tags/x/', '')),
    ('http://occi.example.org:80/compute/1', ('/compute/1', '')),
    ('https://OCCI.example.org:443/compute/1', ('/compute/1', '')),
    ('http://occi.example.org/tags/x/?a=1#b', ('/tags/x/', '?a=1#b')),
    ('http://occi.example.org/tags/x/#b', ('/tags/x/', '#b')),
])
def test_a_location_on_this_server_gives_its_path(location, expected):
    assert _callFUT(location) == expected


@pytest.mark.parametrize('location', [
    'http://other.example.org/tags/x/',
    'http://occi.example.org:8080/tags/x/',
    'https://occi.example.org:80/compute/1',
])
def test_a_url_on_another_server_is_none(location):
    assert _callFUT(location) is None


def test_the_server_port_may_be_spelled_out_too():
    assert _callFUT('http://occi.example.org/tags/x/',
                    host='occi.example.org:80') == ('/tags/x/', '')
    assert _callFUT('http://occi.example.org:8080/compute/1',
                    host='occi.example.org:8080') == ('/compute/1', '')


def test_any_host_without_one_to_compare():
    assert _callFUT('http://anywhere/compute/1', host=None) == (
        '/compute/1', '')


@pytest.mark.parametrize('location', [
    '/okeanos/tags/x/', 'http://occi.example.org:80/okeanos/tags/x/'])
def test_the_mount_prefix_is_stripped(location):
    assert _callFUT(location, script_name='/okeanos/') == ('/tags/x/', '')


def test_entity_and_mixin_locations_are_read_alike():
    """``http://host:80/tags/x/`` was refused as a mixin location while
    ``http://host:80/compute/1`` was taken as an entity's: one reader
    now reads both."""
    from occi_pyramid.locations import entity_location, request_path
    from occi_pyramid.categories import RequestCategories

    request = testing.DummyRequest()
    request.host = 'occi.example.org'
    request.categories = RequestCategories(
        CategoryRegistry(model.static_categories()), [], request)
    assert request_path(request, 'http://occi.example.org:80/tags/x/') == (
        '/tags/x/', '')
    assert entity_location(
        request, 'http://occi.example.org:80/compute/1') == (
            model.COMPUTE, '1')
    assert request_path(request, 'http://other:80/tags/x/') is None
    assert entity_location(request, 'http://other:80/compute/1') is None
