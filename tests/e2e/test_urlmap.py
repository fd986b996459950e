"""The paste composite behind multicloud.ini (``egg:occi_pyramid#urlmap``):
prefix matching and the SCRIPT_NAME/PATH_INFO it hands each app.  No
sockets: plain WSGI calls, next to the deployment tests that use it."""
import pytest
import webtest


def echo(name):
    def app(environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [('%s|%s|%s' % (name, environ['SCRIPT_NAME'],
                               environ['PATH_INFO'])).encode()]
    return app


def make(mapping):
    from occi_pyramid.urlmap import URLMap

    return webtest.TestApp(URLMap(mapping))


@pytest.mark.parametrize('path, expected', [
    ('/okeanos/compute/1', 'okeanos|/okeanos|/compute/1'),
    ('/okeanos/', 'okeanos|/okeanos|/'),
    ('/okeanos', 'okeanos|/okeanos|'),
    ('/demo/-/', 'demo|/demo|/-/'),
    ('/demo/v2/-/', 'demo-v2|/demo/v2|/-/'),     # the longest prefix wins
])
def test_prefixes_move_into_script_name(path, expected):
    app = make({'/okeanos': echo('okeanos'), '/demo/': echo('demo'),
                '/demo/v2': echo('demo-v2')})
    assert app.get(path).text == expected


def test_a_mount_under_an_outer_script_name_keeps_it():
    app = make({'/okeanos': echo('okeanos')})
    res = app.get('/okeanos/-/', extra_environ={'SCRIPT_NAME': '/occi'})
    assert res.text == 'okeanos|/occi/okeanos|/-/'


@pytest.mark.parametrize('path', ['/okeanosx/-/', '/other', '/other/'])
def test_no_prefix_is_an_occi_404_with_a_request_id(path):
    app = make({'/okeanos': echo('okeanos')})
    res = app.get(path, status=404)
    assert res.content_type == 'text/plain'
    assert res.text.strip() == 'Nothing is found at %s.' % path
    assert res.headers['X-Request-Id']
    res = app.get(path, headers={'Accept': 'text/occi'}, status=404)
    assert res.headers['X-OCCI-Error'] == 'Nothing is found at %s.' % path


def test_a_root_mapping_catches_the_rest():
    app = make({'/okeanos': echo('okeanos'), '/': echo('root')})
    assert app.get('/elsewhere').text == 'root||/elsewhere'
    assert app.get('/okeanos/x').text == 'okeanos|/okeanos|/x'


def test_keys_must_be_paths():
    from occi_pyramid.urlmap import URLMap

    with pytest.raises(ValueError):
        URLMap({'okeanos': echo('okeanos')})


def test_the_factory_loads_the_named_apps():
    from occi_pyramid.urlmap import urlmap_factory

    class Loader:
        def get_app(self, name, global_conf=None):
            return echo(name)

    app = webtest.TestApp(urlmap_factory(
        Loader(), {}, **{'/a': 'first', '/b': 'second', 'other': 'x'}))
    assert app.get('/b/c').text == 'second|/b|/c'
    with pytest.raises(ValueError):
        urlmap_factory(Loader(), {}, other='x')


@pytest.mark.parametrize('accept, expected', [
    ('text/plain', 'X-OCCI-Location: http://localhost/demo/\n'
                   'X-OCCI-Location: http://localhost/okeanos/\n'),
    ('text/uri-list', 'http://localhost/demo/\n'
                      'http://localhost/okeanos/\n'),
])
def test_the_root_lists_the_mounted_endpoints(accept, expected):
    app = make({'/okeanos': echo('okeanos'), '/demo': echo('demo')})
    res = app.get('/', headers={'Accept': accept})
    assert res.content_type == accept
    assert res.text == expected
    assert res.headers['X-Request-Id']
    res = app.get('', headers={'Accept': 'application/occi+json'})
    assert res.json == ['http://localhost/demo/', 'http://localhost/okeanos/']
    res = app.get('/', headers={'Accept': 'text/occi'})
    assert res.headers['X-OCCI-Location'] == (
        'http://localhost/demo/, http://localhost/okeanos/')


def test_the_root_listing_refuses_other_methods_and_types():
    app = make({'/okeanos': echo('okeanos')})
    res = app.post('/', status=405)
    assert res.headers['Allow'] == 'GET, HEAD'
    assert res.text.strip() == 'Only GET lists the endpoints mounted here.'
    res = app.get('/', headers={'Accept': 'image/png'}, status=406)
    assert 'image/png' in res.text


BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'


@pytest.fixture(scope='module')
def multicloud():
    """multicloud.ini as shipped, its two endpoints on embedded clouds."""
    import os

    from paste.deploy import loadapp

    from tests.conftest import ROOT

    return webtest.TestApp(
        loadapp('config:' + os.path.join(ROOT, 'multicloud.ini')),
        extra_environ={'HTTP_HOST': 'occi.example.org'})


@pytest.mark.parametrize('path, status', [('/', 200), ('/nothing/here', 404)])
def test_a_browser_outside_the_endpoints_gets_text(multicloud, path, status):
    """The composite's own answers have no page: a browser (which accepts
    anything at a lower quality) reads them as text, never a 500."""
    res = multicloud.get(path, headers={'Accept': BROWSER}, status=status)
    assert res.content_type == 'text/plain'
    if status == 200:
        assert 'http://occi.example.org/okeanos/' in res.text


@pytest.mark.parametrize('path', ['/', '/nothing', '/okeanos/compute/'])
def test_a_malformed_host_is_a_400_on_every_path(multicloud, path):
    res = multicloud.get(path, headers={'X-Auth-Token': 'alice-token'},
                         extra_environ={'HTTP_HOST': '[::1'}, status=400)
    assert 'Host header' in res.text


def test_an_error_under_a_mount_names_its_own_paths(multicloud):
    res = multicloud.post('/okeanos/compute/', (
        'Category: compute; scheme="http://schemas.ogf.org/occi/'
        'infrastructure#"; class="kind"'), headers={
        'Content-Type': 'text/plain', 'X-Auth-Token': 'alice-token'},
        status=400)
    assert 'listed at /okeanos/-/' in res.text
