"""The traversal tree, with real contexts and a request whose categories
are set by hand (no WSGI, no cloud)."""
import pytest
from pyramid import testing
from pyramid.traversal import find_resource

from occi_pyramid import interfaces, model
from occi_pyramid.categories import CategoryRegistry, RequestCategories

USER_MIXIN = model.Mixin('http://example.org/tags#', 'vip', 'VIP',
                         location='/tags/vip/', owner='alice')


def make_request(dynamic=()):
    static = CategoryRegistry(model.static_categories())
    request = testing.DummyRequest()
    request.categories = RequestCategories(
        static, [lambda request: list(dynamic)], request)
    return request


def root(dynamic=()):
    from occi_pyramid.contexts import root_factory

    return root_factory(make_request(dynamic))


@pytest.mark.parametrize('path, iface', [
    ('/', interfaces.IRoot),
    ('/-/', interfaces.IQueryInterface),
    ('/.well-known/org/ogf/occi/-/', interfaces.IQueryInterface),
    ('/compute/', interfaces.IKindCollection),
    ('/resource/', interfaces.IKindCollection),
    ('/mixin/', interfaces.IPathCollection),
    ('/mixin/os_tpl/', interfaces.IMixinCollection),
    ('/compute/42', interfaces.ICompute),
    ('/network/7', interfaces.INetwork),
    ('/storage/7', interfaces.IStorage),
    ('/networkinterface/3', interfaces.INetworkInterface),
    ('/storagelink/1_2', interfaces.IStorageLink),
])
def test_paths_resolve_to_contexts(path, iface):
    context = find_resource(root(), path)
    assert iface.providedBy(context)


def test_entities_know_kind_id_and_location():
    context = find_resource(root(), '/compute/42')
    assert (context.kind, context.id, context.path) == (
        model.COMPUTE, '42', '/compute/42')
    assert interfaces.IResourceContext.providedBy(context)
    assert not interfaces.ICollection.providedBy(context)


@pytest.mark.parametrize('path', ['/nothing/', '/compute/42/x',
                                  '/resource/42', '/-/x',
                                  '/.well-known/org/ogf/x/'])
def test_unknown_paths_are_not_found(path):
    with pytest.raises(KeyError):
        find_resource(root(), path)


def test_dynamic_locations_resolve_and_user_mixins_are_marked():
    tree = root([USER_MIXIN])
    assert interfaces.IPathCollection.providedBy(find_resource(tree,
                                                               '/tags/'))
    context = find_resource(tree, '/tags/vip/')
    assert context.mixin is USER_MIXIN
    assert interfaces.IUserMixinCollection.providedBy(context)
    template = find_resource(tree, '/mixin/os_tpl/')
    assert not interfaces.IUserMixinCollection.providedBy(template)


def test_static_paths_do_not_load_dynamic_categories():
    calls = []
    static = CategoryRegistry(model.static_categories())
    request = testing.DummyRequest()
    request.categories = RequestCategories(
        static, [lambda request: calls.append(1) or []], request)
    from occi_pyramid.contexts import root_factory

    find_resource(root_factory(request), '/compute/42')
    assert calls == []


@pytest.mark.parametrize('location, expected', [
    ('/compute/42', (model.COMPUTE, '42')),
    ('http://example.com/storage/7', (model.STORAGE, '7')),
    ('http://other.example/storage/7', None),
    ('/compute/', None),
    ('/resource/1', None),
    ('/nowhere/1', None),
])
def test_entity_location(location, expected):
    from occi_pyramid.contexts import entity_location

    request = make_request()
    request.host = 'example.com'
    assert entity_location(request, location) == expected


@pytest.mark.parametrize('location, host, expected', [
    ('http://example.com:80/compute/7', 'example.com', True),
    ('http://example.com/compute/7', 'example.com:80', True),
    ('https://Example.com:443/compute/7', 'example.com', True),
    ('https://example.com:80/compute/7', 'example.com', False),
    ('http://example.com:8080/compute/7', 'example.com', False),
])
def test_a_default_port_names_the_same_host(location, host, expected):
    from occi_pyramid.categories import CategoryRegistry
    from occi_pyramid.locations import parse_entity_location

    static = CategoryRegistry(model.CORE_KINDS + model.KINDS)
    found = parse_entity_location(location, static, host)
    assert (found == (model.COMPUTE, '7')) is expected


class Counted:
    """A category source counting its loads."""

    def __init__(self, categories):
        self.categories = categories
        self.loads = 0

    def __call__(self, request):
        self.loads += 1
        return self.categories


TEMPLATE = model.Mixin('http://example.org/os#', 'debian', 'Debian',
                       location=model.OS_TPL.location + 'debian/',
                       depends=[model.OS_TPL])


def sourced(*sources):
    from occi_pyramid.contexts import root_factory

    request = testing.DummyRequest()
    request.categories = RequestCategories(
        CategoryRegistry(model.static_categories()), sources, request)
    return root_factory(request)


def test_traversal_loads_only_the_sources_that_cover_a_path():
    from occi_pyramid.categories import CategorySource

    templates = Counted([TEMPLATE])
    mixins = Counted([USER_MIXIN])
    used = []
    tree = sourced(
        CategorySource(templates, below=[model.OS_TPL.location]),
        CategorySource(mixins, probe=lambda request, path: used.append(
            path) or path.startswith('/tags/')))
    with pytest.raises(KeyError):
        find_resource(tree, '/nothing/here/')
    assert (templates.loads, mixins.loads, used) == (0, 0, ['/nothing/'])
    assert find_resource(tree, '/tags/vip/').mixin is USER_MIXIN
    assert (templates.loads, mixins.loads) == (0, 1)
    assert find_resource(tree, TEMPLATE.location).mixin is TEMPLATE
    assert (templates.loads, mixins.loads) == (1, 1)   # each once
