"""Compute end to end: OCCI app -> real kamaki -> simulator, in every
rendering, with the failure paths."""
import base64
import json

import pytest

from tests.functional.conftest import (
    ACTIONS, ALICE, COMPUTE, DEBIAN, FORMATS, HOST, MEDIUM, OCCI, OS_SCHEME,
    RES_SCHEME, SMALL, UBUNTU, action_request, entity_request, read,
)


@pytest.mark.parametrize('fmt', FORMATS)
def test_create_and_retrieve(alice, fmt):
    path = alice.create_compute(fmt, title='web server')
    assert path.startswith('/compute/')
    res = alice.get(path, fmt)
    assert res.content_type == fmt
    body = read(res)
    kinds = [c['scheme'] + c['term'] for c in body['categories']
             if c['class'] == 'kind']
    mixins = {c['scheme'] + c['term'] for c in body['categories']
              if c['class'] == 'mixin'}
    assert kinds == [COMPUTE]
    assert {OS_SCHEME + DEBIAN, RES_SCHEME + SMALL} <= mixins
    attributes = body['attributes']
    assert attributes['occi.core.title'] == 'web server'
    assert attributes['occi.core.id'] == path.rsplit('/', 1)[1]
    # instant clock: the BUILD job is done by the next read
    assert attributes['occi.compute.state'] == 'active'
    assert float(attributes['occi.compute.cores']) == 1
    assert float(attributes['occi.compute.memory']) == 1.0


def test_create_answers_201_with_location_in_each_rendering(alice):
    for fmt in FORMATS:
        res = alice.post('/compute/', entity_request(
            fmt, COMPUTE, [OS_SCHEME + DEBIAN, RES_SCHEME + SMALL],
            {'occi.core.title': 'x'}), fmt, status=201)
        location = res.headers['Location']
        assert location.startswith(HOST + '/compute/')
        if fmt == 'application/occi+json':
            # JSON: the collection of what was created (GFD.226)
            [created] = res.json['resources']
            assert location == HOST + '/compute/' + created['id']
            continue
        # text/occi: the HTTP Location header is an alias the parser reads too
        assert set(read(res)['locations']) == {location}


def test_text_plain_rendering_of_a_compute_is_spec_shaped(alice):
    path = alice.create_compute(title='shape')
    lines = alice.get(path).text.splitlines()
    assert lines[0] == (
        'Category: compute; scheme="http://schemas.ogf.org/occi/'
        'infrastructure#"; class="kind"; title="Compute Resource"; '
        'rel="http://schemas.ogf.org/occi/core#resource"; '
        'location="/compute/"')
    assert 'Link: <%s?action=stop>; rel="%sstop"' % (path, ACTIONS) in lines
    assert 'X-OCCI-Attribute: occi.core.title="shape"' in lines
    assert 'X-OCCI-Attribute: occi.compute.state="active"' in lines
    assert 'X-OCCI-Attribute: occi.compute.cores=1' in lines


def test_list_uses_one_backend_call(alice, cloud):
    paths = [alice.create_compute(title='vm%d' % i) for i in range(3)]
    cloud.control.clear_requests()
    res = alice.get('/compute/')
    listed = [line.split(': ', 1)[1] for line in res.text.splitlines()]
    assert sorted(listed) == sorted(HOST + p for p in paths)
    server_calls = [r for r in cloud.control.requests()
                    if '/servers' in r['path']]
    # locations only: the short listing does (docs/decisions.md)
    assert [(r['method'], r['path']) for r in server_calls] == [
        ('GET', '/compute/v2.0/servers')]


def test_list_in_uri_list_and_json(alice):
    path = alice.create_compute()
    res = alice.get('/compute/', 'text/uri-list')
    assert res.text.split() == [HOST + path]
    res = alice.get('/compute/', 'application/occi+json')
    document = res.json
    assert [r['id'] for r in document['resources']] == [path.split('/')[-1]]
    assert document['resources'][0]['kind'] == COMPUTE


def test_other_users_do_not_see_a_compute(alice, bob):
    path = alice.create_compute()
    bob.get(path, status=404)
    assert bob.get('/compute/').text == ''
    bob.delete(path, status=404)
    alice.get(path)


def test_unknown_and_malformed_ids_are_404(alice):
    res = alice.get('/compute/424242', status=404)
    assert '424242' in res.text
    alice.get('/compute/not-a-number', status=404)


@pytest.mark.parametrize('fmt', FORMATS)
def test_actions_stop_start_restart(alice, fmt):
    path = alice.create_compute(fmt)
    alice.post(path + '?action=stop', action_request(
        fmt, ACTIONS + 'stop', {'method': 'acpioff'}), fmt)
    assert alice.attributes(path)['occi.compute.state'] == 'inactive'
    alice.post(path + '?action=start', action_request(fmt, ACTIONS + 'start'),
               fmt)
    assert alice.attributes(path)['occi.compute.state'] == 'active'
    alice.post(path + '?action=restart', action_request(
        fmt, ACTIONS + 'restart', {'method': 'cold'}), fmt)
    assert alice.attributes(path)['occi.compute.state'] == 'active'


def test_restart_methods_map_to_soft_and_hard_reboot(alice, cloud):
    path = alice.create_compute()
    cloud.control.clear_requests()
    alice.post(path + '?action=restart', action_request(
        'text/plain', ACTIONS + 'restart', {'method': 'warm'}))
    alice.post(path + '?action=restart', action_request(
        'text/plain', ACTIONS + 'restart', {'method': 'cold'}))
    bodies = [r['json'] for r in cloud.control.requests()
              if r['path'].endswith('/action')]
    assert bodies == [{'reboot': {'type': 'SOFT'}},
                      {'reboot': {'type': 'HARD'}}]


def test_an_action_without_a_body_uses_defaults(alice):
    path = alice.create_compute()
    alice.post(path + '?action=stop', ({}, ''))
    assert alice.attributes(path)['occi.compute.state'] == 'inactive'


def test_action_not_valid_in_the_state_is_409_with_the_reason(alice):
    path = alice.create_compute()
    res = alice.post(path + '?action=start', ({}, ''), status=409)
    assert 'active' in res.text and 'start' in res.text


def test_action_links_follow_the_state(alice):
    path = alice.create_compute()
    actions = read(alice.get(path, 'application/occi+json'))['json'][
        'actions']
    assert ACTIONS + 'stop' in actions and ACTIONS + 'start' not in actions
    alice.post(path + '?action=stop', ({}, ''))
    actions = read(alice.get(path, 'application/occi+json'))['json'][
        'actions']
    assert ACTIONS + 'start' in actions and ACTIONS + 'stop' not in actions


def test_unknown_action_is_400(alice):
    path = alice.create_compute()
    res = alice.post(path + '?action=fly', ({}, ''), status=400)
    assert 'fly' in res.text


def test_action_body_must_match_the_query(alice):
    path = alice.create_compute()
    res = alice.post(path + '?action=stop', action_request(
        'text/plain', ACTIONS + 'start'), status=400)
    assert 'action=stop' in res.text


def test_bad_action_parameter_is_400_naming_it(alice):
    path = alice.create_compute()
    res = alice.post(path + '?action=stop', action_request(
        'text/plain', ACTIONS + 'stop', {'method': 'yank'}), status=400)
    assert 'method' in res.text


def test_save_is_not_implemented_by_synnefo(alice):
    path = alice.create_compute()
    res = alice.post(path + '?action=save', ({}, ''), status=501)
    assert 'Synnefo' in res.text


@pytest.mark.parametrize('fmt', FORMATS)
def test_partial_update_renames(alice, fmt):
    path = alice.create_compute(fmt, title='old')
    res = alice.post(path, entity_request(
        fmt, None, (), {'occi.core.title': 'new name ☁'}), fmt)
    assert read(res)['attributes']['occi.core.title'] == 'new name ☁'
    assert alice.attributes(path)['occi.core.title'] == 'new name ☁'


def test_a_different_resource_tpl_resizes_a_stopped_compute(alice):
    path = alice.create_compute(flavor=SMALL)
    resize = entity_request('text/plain', None, [RES_SCHEME + MEDIUM])
    res = alice.post(path, resize, status=409)
    assert 'stop' in res.text
    alice.post(path + '?action=stop', ({}, ''))
    alice.post(path, resize)
    attributes = alice.attributes(path)
    assert float(attributes['occi.compute.cores']) == 2
    assert float(attributes['occi.compute.memory']) == 2.0


def test_resize_by_cores_and_memory(alice):
    path = alice.create_compute(flavor=SMALL)
    alice.post(path + '?action=stop', ({}, ''))
    alice.post(path, entity_request('text/plain', None, (), {
        'occi.compute.cores': 2}))
    assert float(alice.attributes(path)['occi.compute.cores']) == 2


def test_os_tpl_cannot_be_replaced(alice):
    path = alice.create_compute(image=DEBIAN)
    res = alice.post(path, entity_request(
        'text/plain', None, [OS_SCHEME + UBUNTU]), status=400)
    assert 'os_tpl' in res.text


def test_put_replaces_the_mutable_attributes(alice):
    path = alice.create_compute(title='before')
    current = read(alice.get(path))
    attributes = dict(current['attributes'])
    attributes['occi.core.title'] = 'after'
    attributes['occi.core.summary'] = 'a summary'
    mixins = [c['scheme'] + c['term'] for c in current['categories']
              if c['class'] == 'mixin']
    res = alice.put(path, entity_request(
        'text/plain', COMPUTE, mixins, attributes))
    assert read(res)['attributes']['occi.core.title'] == 'after'
    assert alice.attributes(path)['occi.core.summary'] == 'a summary'


def test_put_at_an_unknown_location_is_400(alice):
    res = alice.put('/compute/999999', entity_request(
        'text/plain', COMPUTE, [OS_SCHEME + DEBIAN]), status=400)
    assert 'POST' in res.text


def test_changing_an_immutable_attribute_is_403(alice):
    path = alice.create_compute()
    res = alice.post(path, entity_request(
        'text/plain', None, (), {'occi.compute.state': 'inactive'}),
        status=403)
    assert 'occi.compute.state' in res.text


@pytest.mark.parametrize('fmt', FORMATS)
def test_delete(alice, fmt):
    path = alice.create_compute(fmt)
    alice.delete(path, fmt)
    alice.get(path, status=404)
    assert alice.get('/compute/').text == ''


# -- create failures -----------------------------------------------------------

def test_create_without_os_tpl_names_the_missing_mixin(alice):
    res = alice.create_compute(image=None, status=400)
    assert 'os_tpl' in res.text


def test_create_without_resource_tpl_names_it(alice):
    res = alice.create_compute(flavor=None, status=400)
    assert 'resource_tpl' in res.text


def test_create_by_size_picks_the_smallest_fitting_flavor(alice):
    path = alice.create_compute(flavor=None, attributes={
        'occi.compute.cores': 2, 'occi.compute.memory': 2})
    attributes = alice.attributes(path)
    assert float(attributes['occi.compute.cores']) == 2
    assert float(attributes['occi.compute.memory']) == 2.0


def test_defaults_from_the_settings_fill_missing_templates(app_settings):
    from tests.functional.conftest import Cloud

    cloud = Cloud(dict(app_settings, **{
        'occi.default_os_tpl': DEBIAN,
        'occi.default_resource_tpl': RES_SCHEME + SMALL,
    }))
    cloud.reset()
    user = OCCI(cloud, ALICE)
    path = user.create_compute(image=None, flavor=None)
    categories = {c['term'] for c in read(user.get(path))['categories']}
    assert {DEBIAN, SMALL} <= categories


def test_create_with_an_unknown_mixin_is_400(alice):
    res = alice.post('/compute/', entity_request(
        'text/plain', COMPUTE, [OS_SCHEME + 'image-nope', RES_SCHEME + SMALL]),
        status=400)
    assert 'image-nope' in res.text


def test_create_with_the_wrong_kind_is_400(alice):
    res = alice.post('/compute/', entity_request(
        'text/plain', 'http://schemas.ogf.org/occi/infrastructure#storage',
        [OS_SCHEME + DEBIAN, RES_SCHEME + SMALL]), status=400)
    assert 'storage' in res.text


def test_create_with_a_wrongly_typed_attribute_is_400(alice):
    res = alice.create_compute(attributes={'occi.compute.cores': 'many'},
                               status=400)
    assert 'occi.compute.cores' in res.text


def test_create_with_an_unknown_attribute_is_400(alice):
    res = alice.create_compute(attributes={'com.example.color': 'red'},
                               status=400)
    assert 'com.example.color' in res.text


def test_create_setting_the_state_is_403(alice):
    res = alice.create_compute(attributes={'occi.compute.state': 'active'},
                               status=403)
    assert 'occi.compute.state' in res.text


def test_create_ignores_a_client_id(alice):
    alice.create_compute(attributes={'occi.core.id': 'mine'})


def test_create_over_quota_is_403_with_the_cloud_message(alice, cloud):
    # NB: 403, not Synnefo's 413 (read as "body too large" by HTTP
    # clients): docs/decisions.md
    cloud.control.set_quota(ALICE, {'cyclades.vm': 0})
    res = alice.create_compute(status=403)
    assert 'Resource Limit Exceeded' in res.text
    assert "Limit for resource 'Virtual Machine'" in res.text


def test_a_disallowed_flavor_is_403(alice):
    # flavor-6 is the seed's flavor with SNF:allow_create false
    res = alice.create_compute(flavor='flavor-6', status=403)
    assert res.text


def test_malformed_body_is_400_naming_the_line(alice):
    res = alice.post('/compute/', ({'Content-Type': 'text/plain'},
                                   'Category: compute\nthis is not occi\n'),
                     status=400)
    assert 'line' in res.text.lower()


def test_unsupported_content_type_is_415(alice):
    res = alice.post('/compute/', ({'Content-Type': 'application/xml'},
                                   '<compute/>'), status=415)
    assert 'application/xml' in res.text


# -- contextualization ---------------------------------------------------------

CONTEXT = 'http://schemas.ogf.org/occi/infrastructure/'


@pytest.mark.parametrize('mixins, attributes', [
    ([CONTEXT + 'credentials#ssh_key', CONTEXT + 'compute#user_data'],
     {'occi.credentials.ssh.publickey': 'ssh-rsa AAAA alice@example',
      'occi.compute.userdata': base64.b64encode(b'#!/bin/sh\necho hi\n')
      .decode()}),
    (['http://schemas.openstack.org/instance/credentials#public_key',
      'http://schemas.openstack.org/compute/instance#user_data'],
     {'org.openstack.credentials.publickey.data':
      'ssh-rsa AAAA alice@example',
      'org.openstack.compute.user_data': base64.b64encode(
          b'#!/bin/sh\necho hi\n').decode()}),
])
def test_contextualization_becomes_personality(alice, cloud, mixins,
                                               attributes):
    cloud.control.clear_requests()
    attrs = {'occi.core.title': 'ctx'}
    attrs.update(attributes)
    alice.post('/compute/', entity_request(
        'text/plain', COMPUTE,
        [OS_SCHEME + DEBIAN, RES_SCHEME + SMALL] + mixins, attrs),
        status=201)
    create = [r for r in cloud.control.requests()
              if r['method'] == 'POST' and r['path'].endswith('/servers')][0]
    files = {f['path']: base64.b64decode(f['contents']).decode()
             for f in create['json']['server']['personality']}
    assert files['/root/.ssh/authorized_keys'] == \
        'ssh-rsa AAAA alice@example\n'
    assert files['/var/lib/cloud/seed/nocloud-net/user-data'] == \
        '#!/bin/sh\necho hi\n'
    meta = json.loads(files['/var/lib/cloud/seed/nocloud-net/meta-data'])
    assert meta['public-keys'] == ['ssh-rsa AAAA alice@example']


def test_user_data_must_be_base64(alice):
    res = alice.create_compute(attributes={
        'occi.compute.userdata': 'not base64 !!'}, status=400)
    assert 'base64' in res.text


# -- collections ---------------------------------------------------------------

def test_collection_action_runs_on_every_member(alice):
    paths = [alice.create_compute(title='c%d' % i) for i in range(2)]
    alice.post('/compute/?action=stop', action_request(
        'text/plain', ACTIONS + 'stop'))
    for path in paths:
        assert alice.attributes(path)['occi.compute.state'] == 'inactive'


def test_collection_action_reports_failures_per_member(alice):
    running = alice.create_compute(title='running')
    stopped = alice.create_compute(title='stopped')
    alice.post(stopped + '?action=stop', ({}, ''))
    res = alice.post('/compute/?action=stop', ({}, ''))
    errors = [line for line in res.text.splitlines()
              if line.startswith('X-OCCI-Error')]
    assert len(errors) == 1 and stopped in errors[0]
    assert alice.attributes(running)['occi.compute.state'] == 'inactive'


def test_collection_filters(alice):
    running = alice.create_compute(title='running', image=DEBIAN)
    stopped = alice.create_compute(title='stopped', image=UBUNTU)
    alice.post(stopped + '?action=stop', ({}, ''))
    res = alice.get('/compute/', headers={
        'X-OCCI-Attribute': 'occi.compute.state="active"'})
    assert res.text.split() == ['X-OCCI-Location:', HOST + running]
    res = alice.get('/compute/', headers={
        'Category': '%s; scheme="%s"; class="mixin"' % (UBUNTU, OS_SCHEME)})
    assert res.text.split() == ['X-OCCI-Location:', HOST + stopped]


def test_delete_the_collection_deletes_every_compute(alice, bob):
    for i in range(2):
        alice.create_compute(title='d%d' % i)
    bobs = bob.create_compute(title='bob')
    alice.delete('/compute/')
    assert alice.get('/compute/').text == ''
    bob.get(bobs)


def test_root_lists_and_deletes_everything(alice):
    path = alice.create_compute()
    assert HOST + path in alice.get('/', 'text/uri-list').text.split()
    alice.delete('/')
    alice.get(path, status=404)


def test_template_mixin_collection_lists_its_computes(alice):
    debian = alice.create_compute(image=DEBIAN)
    alice.create_compute(image=UBUNTU)
    res = alice.get('/mixin/os_tpl/%s/' % DEBIAN, 'text/uri-list')
    assert res.text.split() == [HOST + debian]
    res = alice.get('/mixin/os_tpl/', 'text/uri-list')
    assert len(res.text.split()) == 2


def test_method_not_allowed_carries_allow(alice):
    res = alice.put('/compute/', ({'Content-Type': 'text/plain'}, ''),
                    status=405)
    assert res.headers['Allow'] == 'DELETE, GET, HEAD, OPTIONS, POST'


def test_unknown_path_is_404(alice):
    alice.get('/nowhere/', status=404)


# -- states with a driven clock ------------------------------------------------

def test_building_compute_is_inactive_and_refuses_actions(slow_alice,
                                                          slow_cloud):
    path = slow_alice.create_compute()
    attributes = slow_alice.attributes(path)
    assert attributes['occi.compute.state'] == 'inactive'
    assert 'Building' in attributes['occi.compute.state.message']
    res = slow_alice.post(path + '?action=stop', ({}, ''), status=409)
    assert 'built' in res.text
    slow_cloud.control.settle()
    assert slow_alice.attributes(path)['occi.compute.state'] == 'active'


def test_a_compute_being_deleted_is_gone_at_once(slow_alice, slow_cloud):
    """pOCCI CORE/DELETE/001: a GET right after the DELETE is 404, while
    the cloud is still destroying the server."""
    path = slow_alice.create_compute()
    other = slow_alice.create_compute(title='other')
    slow_cloud.control.settle()
    slow_alice.delete(path)
    slow_alice.get(path, status=404)
    slow_alice.delete(path, status=404)
    assert slow_alice.get('/compute/').text.split() == [
        'X-OCCI-Location:', HOST + other]
    slow_cloud.control.settle()
    slow_alice.get(path, status=404)


def test_busy_compute_refuses_actions(slow_alice, slow_cloud):
    path = slow_alice.create_compute()
    slow_cloud.control.settle()
    slow_alice.post(path + '?action=stop', ({}, ''))
    res = slow_alice.post(path + '?action=start', ({}, ''), status=409)
    assert 'busy' in res.text
    slow_cloud.control.settle()
    slow_alice.post(path + '?action=start', ({}, ''))


# -- authentication and an unavailable cloud -----------------------------------

def test_no_token_is_401_with_keystone_uri(cloud):
    res = cloud.app.get('/compute/', status=401)
    assert res.headers['WWW-Authenticate'].startswith("Keystone uri='http")
    assert '/identity/v2.0' in res.headers['WWW-Authenticate']


def test_a_bad_token_is_401(cloud):
    user = OCCI(cloud, 'no-such-token')
    res = user.get('/compute/', status=401)
    assert 'WWW-Authenticate' in res.headers


def test_basic_auth_password_is_the_token(cloud):
    credentials = base64.b64encode(b'alice:' + ALICE.encode()).decode()
    cloud.app.get('/compute/', headers={
        'Authorization': 'Basic ' + credentials})


def test_a_cloud_that_is_down_is_503_in_bounded_time(app_settings):
    import socket
    import time

    from tests.conftest import make_testapp

    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there any more
    app = make_testapp(dict(app_settings, **{
        'occi.synnefo.auth_url': 'http://127.0.0.1:%d/identity/v2.0' % port,
        'occi.synnefo.timeout': '2'}))
    started = time.monotonic()
    res = app.get('/compute/', headers={'X-Auth-Token': ALICE}, status=503)
    assert time.monotonic() - started < 10
    assert res.headers['Retry-After']


def test_a_slow_cloud_is_503_in_bounded_time(app_settings):
    import socket
    import threading
    import time

    from tests.conftest import make_testapp

    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(5)
    accepted = []
    stop = threading.Event()

    def accept():  # accept and never answer
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        app = make_testapp(dict(app_settings, **{
            'occi.synnefo.auth_url': 'http://127.0.0.1:%d/identity/v2.0'
            % listener.getsockname()[1],
            'occi.synnefo.timeout': '1'}))
        started = time.monotonic()
        app.get('/compute/', headers={'X-Auth-Token': ALICE}, status=503)
        assert time.monotonic() - started < 8
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_post_to_the_root_creates_the_kind_named(alice):
    res = alice.post('/', entity_request(
        'text/occi', COMPUTE, [OS_SCHEME + DEBIAN, RES_SCHEME + SMALL],
        {'occi.core.title': 'at root'}), 'text/occi', status=201)
    path = res.headers['Location'][len(HOST):]
    assert path.startswith('/compute/')
    assert alice.attributes(path)['occi.core.title'] == 'at root'
    res = alice.post('/', entity_request('text/plain', None, [
        OS_SCHEME + DEBIAN]), status=400)
    assert 'one kind' in res.text


def test_collections_paginate(alice):
    paths = [alice.create_compute(title='p%d' % i) for i in range(5)]
    everything = alice.get('/compute/', 'text/uri-list').text.split()
    assert len(everything) == 5
    page = alice.get('/compute/?page=2&number=2', 'text/uri-list')
    assert page.text.split() == everything[2:4]
    assert alice.get('/compute/?page=9&number=2',
                     'text/uri-list').text.split() == []
    res = alice.get('/compute/?page=0&number=2', status=400)
    assert 'pages start at 1' in res.text
    alice.get('/compute/?number=x', status=400)
    res = alice.get('/compute/?number=100000', status=413)
    assert 'number' in res.text
    assert sorted(HOST + p for p in paths) == sorted(everything)
