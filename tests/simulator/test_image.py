"""§9.5 checks 55-57: Plankton."""
from urllib.parse import unquote

from occi_pyramid.simulator.testing import (
    ALICE_IMAGE,
    ALICE_UUID,
    DEBIAN_IMAGE,
)

from .conftest import fault

IMAGES = '/image/v1.0/images'


def test_55_size_filters(alice):
    fault(alice.get(IMAGES + '/?size_max='), 'badRequest', 400)
    fault(alice.get(IMAGES + '/?size_min=big'), 'badRequest', 400)
    fault(alice.get(IMAGES + '/?sort_key=colour'), 'badRequest', 400)
    fault(alice.get(IMAGES + '/?sort_dir=up'), 'badRequest', 400)
    assert alice.get(IMAGES + '/?size_max=10&sort_dir=asc').status == 200


def test_55_lists(alice, bob):
    # released Plankton answers bare lists (kamaki 0.16 reads them so)
    assert isinstance(alice.get(IMAGES + '/detail').json, list)
    short = alice.get(IMAGES + '/').json
    assert all(set(i) == {'id', 'name', 'status', 'disk_format',
                          'container_format', 'size'} for i in short)
    detail = alice.get(IMAGES + '/detail?sort_key=name&sort_dir=asc').json
    assert [i['name'] for i in detail] == sorted(i['name'] for i in detail)
    debian = next(i for i in detail if i['id'] == DEBIAN_IMAGE)
    assert debian['status'] == 'AVAILABLE' and debian['is_public'] is True
    assert debian['properties']['os'] == 'debian'
    assert len(debian['created_at']) == 19  # YYYY-MM-DD HH:MM:SS
    assert ALICE_IMAGE not in {i['id'] for i in
                               bob.get(IMAGES + '/').json}


def test_56_head_headers(alice, bob):
    result = alice.call('HEAD', '%s/%s' % (IMAGES, DEBIAN_IMAGE))
    assert result.status == 200 and result.raw == b''
    headers = result.headers
    for name in ('id', 'name', 'disk-format', 'container-format', 'size',
                 'checksum', 'location', 'created-at', 'updated-at',
                 'deleted-at', 'status', 'is-public', 'owner',
                 'is-snapshot', 'description'):
        assert 'x-image-meta-' + name in headers, name
    assert headers['x-image-meta-status'] == 'AVAILABLE'
    assert headers['x-image-meta-is-public'] == 'True'
    assert unquote(headers['x-image-meta-name']) == 'Debian Base'
    assert headers['x-image-meta-property-os'] == 'debian'
    assert headers['x-image-meta-property-root-partition'] == '1'
    private = alice.call('HEAD', '%s/%s' % (IMAGES, ALICE_IMAGE)).headers
    assert private['x-image-meta-is-public'] == 'False'
    assert private['x-image-meta-owner'] == ALICE_UUID
    assert bob.call('HEAD', '%s/%s' % (IMAGES, ALICE_IMAGE)).status == 403
    assert alice.call('HEAD', IMAGES + '/nope').status == 404


def test_57_unknown_path(alice):
    fault(alice.get('/image/v1.0/nonexistent'), 'badRequest', 400,
          'API endpoint not found')
    result = alice.call('PATCH', IMAGES + '/')
    assert result.status == 405 and result.raw == b''
    assert alice.get('/image/v1/images/').status == 200


def test_raw_download_is_501(alice):
    result = alice.get('%s/%s' % (IMAGES, DEBIAN_IMAGE))
    assert result.status == 501 and result.raw == b''


def test_register_update_unregister(alice, bob):
    headers = {'X-Image-Meta-Name': 'my%20image',
               'X-Image-Meta-Location': 'pithos://%s/images/x' % ALICE_UUID,
               'X-Image-Meta-Property-OS': 'debian',
               'X-Image-Meta-Property-Root-Partition': '1'}
    result = alice.call('POST', IMAGES + '/', headers=headers)
    assert result.status == 200
    image_id = result.headers['x-image-meta-id']
    assert unquote(result.headers['x-image-meta-name']) == 'my image'
    meta = alice.get('/compute/v2.0/images/' + image_id).json['image']
    assert meta['metadata'] == {'os': 'debian', 'root_partition': '1'}
    result = alice.call('PUT', '%s/%s' % (IMAGES, image_id),
                        headers={'X-Image-Meta-Is-Public': 'true'})
    assert result.headers['x-image-meta-is-public'] == 'True'
    assert bob.call('HEAD', '%s/%s' % (IMAGES, image_id)).status == 200
    assert alice.delete('%s/%s' % (IMAGES, image_id)).status == 204
    assert image_id not in {i['id'] for i in
                            alice.get(IMAGES + '/').json}
