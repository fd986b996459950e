"""The text/html rendering (pages for people), its forms, CSRF, the
browser login and the guarantees that OCCI clients see nothing new."""
import re

import pytest

from tests.functional.conftest import (
    ALICE, COMPUTE, DEBIAN, OCCI, OS_SCHEME, RES_SCHEME, SMALL,
)
from tests.functional.test_auth import basic

#: what Chromium sends for a page
BROWSER = ('text/html,application/xhtml+xml,application/xml;q=0.9,'
           'image/avif,image/webp,*/*;q=0.8')
HOSTILE = '<script>alert("owned")</script>'
CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')


def page(cloud, path, status=200, token=ALICE, **headers):
    headers.setdefault('Accept', BROWSER)
    if token:
        headers.update(basic('alice', token))
    return cloud.app.get(path, headers=headers, status=status)


def csrf_of(res):
    """The CSRF token of a page's forms (its cookie is in the app's jar)."""
    match = CSRF_INPUT.search(res.text)
    assert match, res.text
    return match.group(1)


def submit(cloud, path, fields, status=200, **headers):
    headers.setdefault('Accept', BROWSER)
    headers.update(basic('alice', ALICE))
    headers.setdefault('Origin', 'http://occi.example.org')
    return cloud.app.post(path, fields, headers=headers, status=status)


def new_compute(cloud, title='web'):
    return OCCI(cloud).create_compute(title=title)


# -- OCCI clients see exactly what they saw -----------------------------------

@pytest.mark.parametrize('accept', [None, '', '*/*', 'text/plain', 'text/*'])
def test_occi_clients_never_get_html(cloud, accept):
    headers = {'X-Auth-Token': ALICE}
    if accept is not None:
        headers['Accept'] = accept
    res = cloud.app.get('/compute/', headers=headers)
    assert res.content_type == 'text/plain'
    assert 'Content-Security-Policy' not in res.headers


def test_occi_clients_keep_the_one_keystone_challenge(cloud):
    res = cloud.app.get('/', status=401)
    assert res.headers.getall('WWW-Authenticate') == [
        res.headers['WWW-Authenticate']]
    assert res.headers['WWW-Authenticate'].startswith('Keystone uri=')
    assert res.content_type == 'text/plain'


def test_a_form_body_from_an_occi_client_is_still_415(cloud):
    res = cloud.app.post('/compute/', 'category=x', status=415, headers={
        'X-Auth-Token': ALICE,
        'Content-Type': 'application/x-www-form-urlencoded'})
    assert 'not supported' in res.text


# -- the browser login --------------------------------------------------------

def test_a_browser_without_token_is_offered_basic_and_told_how(cloud):
    res = page(cloud, '/', status=401, token=None)
    challenges = res.headers.getall('WWW-Authenticate')
    assert challenges[0].startswith('Keystone uri=')
    assert challenges[1].startswith('Basic realm="')
    assert res.content_type == 'text/html'
    assert 'API token' in res.text and 'X-Auth-Token' in res.text
    assert 'Set-Cookie' not in res.headers


def test_a_wrong_token_is_401_again(cloud):
    res = page(cloud, '/', status=401, token='not-a-token')
    assert len(res.headers.getall('WWW-Authenticate')) == 2
    assert 'not-a-token' not in res.text


def test_pages_are_strict_and_never_show_the_token(cloud):
    res = page(cloud, '/')
    csp = res.headers['Content-Security-Policy']
    assert "default-src 'none'" in csp and "style-src 'self'" in csp
    assert 'script-src' not in csp and 'unsafe' not in csp
    assert res.headers['Cache-Control'] == 'no-store'
    assert res.headers['X-Content-Type-Options'] == 'nosniff'
    assert '<script' not in res.text and ' style=' not in res.text
    assert ALICE not in res.text
    assert ALICE not in res.headers.get('Set-Cookie', '')


# -- reading ------------------------------------------------------------------

def test_the_catalogue_shows_kinds_mixins_templates_and_actions(cloud):
    res = page(cloud, '/-/')
    assert res.content_type == 'text/html'
    assert 'id="kind-compute"' in res.text
    assert 'occi.compute.cores' in res.text
    assert DEBIAN in res.text and SMALL in res.text
    sizes = res.html.find(id='resource-templates').get_text(' ')
    assert '1 core, 1 GiB memory, 20 GB disk' in sizes
    assert res.html.find(id='actions').get_text().count('restart') >= 1


def test_collections_and_entities_link_to_each_other(cloud):
    vm = new_compute(cloud)
    res = page(cloud, '/')
    assert res.html.find('a', href=vm) is not None
    res = page(cloud, '/compute/')
    assert res.html.find('a', href=vm) is not None
    assert res.html.find(id='create') is not None
    res = page(cloud, vm)
    assert res.html.find(id='state').get_text() == 'active'
    assert {b.get_text() for b in res.html.find(id='actions')('button')} >= {
        'stop', 'restart'}
    assert res.html.find('a', href='/compute/') is not None
    links = res.html.find(id='links')
    for target in links('a'):
        assert target['href'].startswith('/')


def test_a_hostile_title_is_text(cloud):
    vm = new_compute(cloud, title=HOSTILE)
    for path in (vm, '/compute/', vm + '?confirm=delete'):
        res = page(cloud, path)
        assert HOSTILE not in res.text
        assert '&lt;script&gt;' in res.text


def test_filters_and_pages_come_from_the_query(cloud):
    first, second = new_compute(cloud, 'one'), new_compute(cloud, 'two')
    res = page(cloud, '/compute/?attribute=occi.core.title&value=two')
    hrefs = [a['href'] for a in res.html.find(id='entities')('a')]
    assert hrefs == [second]
    res = page(cloud, '/?category=%s' % COMPUTE.replace('#', '%23'))
    hrefs = [a['href'] for a in res.html.find(id='entities')('a')]
    assert sorted(hrefs) == sorted([first, second])
    res = page(cloud, '/compute/?number=1&page=1')
    assert len(res.html.find(id='entities')('tr')) == 2  # head + one
    assert res.html.find('a', rel='next') is not None
    res = page(cloud, '/compute/?category=nonsense', status=400)
    assert 'form field' in res.text and res.content_type == 'text/html'


def test_static_files_are_cached(cloud):
    res = page(cloud, '/-/')
    css = res.html.find('link', rel='stylesheet')['href']
    assert css.startswith('/-/static/occi.css?x=')
    res = cloud.app.get(css, headers={'Accept': 'text/css'})
    assert res.content_type == 'text/css'
    assert 'max-age=31536000' in res.headers['Cache-Control']


# -- writing through forms ----------------------------------------------------

def test_an_action_from_the_page(cloud):
    vm = new_compute(cloud)
    token = csrf_of(page(cloud, vm))
    res = submit(cloud, vm + '?action=stop', {
        '_csrf': token,
        'category': ACTION_STOP,
    })
    assert res.html.find(id='answer').get_text().split()[0] == '200'
    assert page(cloud, vm).html.find(id='state').get_text() == 'inactive'


ACTION_STOP = 'http://schemas.ogf.org/occi/infrastructure/compute/action#stop'


def test_a_form_without_its_csrf_token_is_refused(cloud):
    vm = new_compute(cloud)
    page(cloud, vm)
    res = submit(cloud, vm + '?action=stop', {'category': ACTION_STOP},
                 status=403)
    assert '_csrf' in res.text
    res = submit(cloud, vm + '?action=stop', {'_csrf': 'forged'}, status=403)
    assert page(cloud, vm).html.find(id='state').get_text() == 'active'


def test_a_write_from_another_site_is_refused(cloud):
    vm = new_compute(cloud)
    token = csrf_of(page(cloud, vm))
    for headers in ({'Origin': 'http://evil.example'},
                    {'Sec-Fetch-Site': 'cross-site'}):
        submit(cloud, vm + '?action=stop', {'_csrf': token}, status=403,
               **headers)
    # a text/plain body a foreign form could forge, on Basic credentials
    cloud.app.post(vm, 'X-OCCI-Attribute: occi.core.title="pwned"',
                   status=403, headers=dict(
                       basic('alice', ALICE), Origin='http://evil.example',
                       **{'Content-Type': 'text/plain'}))
    assert 'pwned' not in page(cloud, vm).text


def test_create_a_compute_from_the_templates(cloud):
    form = page(cloud, '/compute/')
    token = csrf_of(form)
    # the create form offers the templates /-/ offers, sized in words
    assert 'flavor-1' in form.text and 'flavor-6' not in form.text
    fields = [
        ('_csrf', token), ('category', COMPUTE),
        ('attr.occi.core.title', 'from the page'),
        ('category', OS_SCHEME + DEBIAN), ('category', RES_SCHEME + SMALL),
    ]
    # POST, redirect, GET: the answer is the page of the new compute
    res = submit(cloud, '/compute/', fields, status=303)
    location = res.headers['Location']
    assert location.startswith('http://occi.example.org/compute/')
    shown = page(cloud, location[len('http://occi.example.org'):])
    assert shown.html.find('h1').text.strip() == 'from the page'
    # the form's token was good for that one write: sent again (a reload
    # of a page that answered the POST), it creates nothing
    submit(cloud, '/compute/', fields, status=403)
    listed = page(cloud, '/compute/').text
    assert listed.count('from the page') == 1


def test_the_form_cookie_is_secure_over_https(cloud):
    cloud.app.reset()   # no cookie yet: the page sets one
    res = page(cloud, '/compute/')
    assert 'secure' not in res.headers['Set-Cookie'].lower()
    cloud.app.reset()
    res = cloud.app.get('/compute/', headers=dict(
        basic('alice', ALICE), Accept=BROWSER), extra_environ={
        'wsgi.url_scheme': 'https'})
    cookie = res.headers['Set-Cookie']
    assert '; secure' in cookie.lower() and 'samesite=strict' in \
        cookie.lower()


def test_delete_asks_then_deletes(cloud):
    vm = new_compute(cloud)
    res = page(cloud, vm + '?confirm=delete')
    form = res.html.find('form', action=vm)
    assert form.find('input', attrs={'name': '_method'})['value'] == 'DELETE'
    res = submit(cloud, vm, {'_csrf': csrf_of(res), '_method': 'DELETE'})
    assert res.html.find(id='done') is not None
    page(cloud, vm, status=404)


def test_method_override_only_turns_post_into_delete(cloud):
    vm = new_compute(cloud)
    token = csrf_of(page(cloud, vm))
    res = submit(cloud, vm, {'_csrf': token, '_method': 'PUT'}, status=400)
    assert '_method' in res.text
    page(cloud, vm)


def test_unknown_form_fields_are_named(cloud):
    vm = new_compute(cloud)
    token = csrf_of(page(cloud, vm))
    res = submit(cloud, vm, {'_csrf': token, 'colour': 'red'}, status=400)
    assert "'colour'" in res.html.find(id='message').get_text()


def test_tag_and_untag_with_a_user_mixin(cloud):
    vm = new_compute(cloud)
    cloud.app.post('/-/', 'Category: vip; scheme="http://example.org/tags#";'
                   ' class="mixin"; location="/tags/vip/"', headers={
                       'X-Auth-Token': ALICE, 'Content-Type': 'text/plain'})
    res = page(cloud, vm)
    assert 'tag with vip' in res.text
    res = submit(cloud, '/tags/vip/', {'_csrf': csrf_of(res),
                                       'location': vm})
    assert res.html.find('a', href=vm) is not None
    res = page(cloud, vm)
    assert 'tag with vip' not in res.text
    assert res.html.find(id='mixins').find('a', href='/tags/vip/')
    res = submit(cloud, '/tags/vip/', {'_csrf': csrf_of(res),
                                       '_method': 'DELETE', 'location': vm})
    assert res.html.find('a', href=vm) is None
    assert 'tag with vip' in page(cloud, vm).text


def test_pages_behind_a_mount_prefix_link_below_it(cloud):
    from tests.conftest import make_testapp

    mounted = make_testapp(cloud.settings, SCRIPT_NAME='/okeanos')
    vm = new_compute(cloud)
    headers = dict(basic('alice', ALICE), Accept=BROWSER)
    res = mounted.get('/compute/', headers=headers)
    assert res.html.find('a', href='/okeanos' + vm) is not None
    assert res.html.find(id='filters')['action'] == '/okeanos/compute/'
    assert res.html.find(id='create')['action'] == '/okeanos/compute/'
    css = res.html.find('link', rel='stylesheet')['href']
    assert css.startswith('/okeanos/-/static/')
    res = mounted.get(vm, headers=headers)
    form = res.html.find(id='actions').find('form')
    assert form['action'].startswith('/okeanos%s?action=' % vm)
    res = mounted.get(vm + '?confirm=delete', headers=headers)
    token = csrf_of(res)
    res = mounted.post(vm, {'_csrf': token, '_method': 'DELETE'},
                       headers=dict(headers, Origin='http://occi.example.org'))
    assert res.html.find(id='done').find_next('a')['href'] == \
        '/okeanos/compute/'


def test_every_page_of_the_namespace_renders(cloud):
    """From / through every collection, entity and link target: pages."""
    new_compute(cloud)
    seen, todo = set(), ['/', '/-/']
    while todo:
        path = todo.pop()
        if path in seen or not path.startswith('/') or '?' in path:
            continue
        seen.add(path)
        res = page(cloud, path)
        assert res.content_type == 'text/html', path
        main = res.html.find('main')
        todo.extend(a['href'] for a in main('a', href=True))
    kinds = {'/compute/', '/network/', '/storage/', '/networkinterface/'}
    assert kinds <= seen
    # a compute's boot volume: its link and the link's target
    assert {'/compute/1', '/storagelink/1_1', '/storage/1'} <= seen


# -- projects (Synnefo's, as mixins: docs/decisions.md) ----------------------

def test_create_in_a_project_and_move_it_from_the_pages(cloud):
    from occi_pyramid.simulator.testing import ALICE_PROJECT
    research = ('http://schemas.synnefo.org/occi/project#project-'
                + ALICE_PROJECT)
    form = page(cloud, '/compute/')
    # the project is chosen in the create form, by name
    choice = form.html.find('select', id='project')
    assert 'alice-research' in choice.text
    res = submit(cloud, '/compute/', [
        ('_csrf', csrf_of(form)), ('category', COMPUTE),
        ('attr.occi.core.title', 'research vm'),
        ('category', OS_SCHEME + DEBIAN),
        ('category', RES_SCHEME + 'flavor-7'), ('category', research),
    ], status=303)
    path = res.headers['Location'][len('http://occi.example.org'):]
    shown = page(cloud, path)
    place = shown.html.find(id='place')
    assert 'In alice-research' in ' '.join(place.text.split())
    # and moved to the other project by its button
    assert 'move to system:' in place.text
    action = place.find('form')['action']
    # the answer is the project's collection, as a tag's form answers
    moved = submit(cloud, action, [('_csrf', csrf_of(shown)),
                                   ('location', path)])
    assert 'research vm' in moved.text
    place = page(cloud, path).html.find(id='place')
    assert 'In system:' in ' '.join(place.text.split())
    assert 'move to alice-research' in place.text
