"""The Synnefo handlers' pure parts: id checks, refusals, the network and
storage action tables, sizes, and how a cloud error is retold (no cloud
needed)."""
import pytest

from occi_pyramid import model
from occi_pyramid.backends.synnefo.errors import as_conflict, retold
from occi_pyramid.backends.synnefo.handlers import base, compute, inline
from occi_pyramid.backends.synnefo.handlers.network import NETWORK_ACTIONS
from occi_pyramid.backends.synnefo.handlers.storage import (
    STORAGE_ACTIONS, StorageHandler,
)
from occi_pyramid.exceptions import (
    BackendBadRequest, BackendConflict, BackendUnavailable, OCCIBadRequest,
    OCCIConflict, OCCINotFound, OCCINotImplemented,
)
from occi_pyramid.model import EntityData


@pytest.mark.parametrize('id', ['1', '42', str(2 ** 63 - 1)])
def test_synnefo_ids_are_positive_integers(id):
    assert base.digits(id, model.COMPUTE) == id


@pytest.mark.parametrize('id', [
    '0', '042', '-1', '4.2', '1e3', ' 1', '\u0663', str(2 ** 63), 'x'])
def test_anything_else_is_no_entity_without_asking(id):
    with pytest.raises(OCCINotFound, match='There is no compute'):
        base.digits(id, model.COMPUTE)


def test_a_change_synnefo_cannot_make_is_refused_by_name():
    entity = model.Resource(model.NETWORK, '5', attributes={
        'occi.network.address': '10.0.0.0/24'})
    same = EntityData(model.NETWORK, (), {
        'occi.network.address': '10.0.0.0/24', 'occi.network.gateway': None})
    base.refuse_changes(entity, same, ['occi.network.address',
                                       'occi.network.gateway'])
    other = EntityData(model.NETWORK, (), {
        'occi.network.address': '10.9.0.0/24'})
    with pytest.raises(OCCIBadRequest, match='occi.network.address'):
        base.refuse_changes(entity, other, ['occi.network.address'])


@pytest.mark.parametrize('server, linkable, busy', [
    ({'id': 1, 'status': 'ACTIVE'}, True, False),
    ({'id': 1, 'status': 'STOPPED'}, True, False),
    ({'id': 1, 'status': 'BUILD'}, False, True),
    ({'id': 1, 'status': 'ACTIVE', 'SNF:task_state': 'REBOOTING'}, False,
     True),
    ({'id': 1, 'status': 'ERROR'}, False, False),
    ({'id': 1, 'status': 'STOPPED', 'suspended': True}, False, False),
])
def test_a_busy_compute_takes_no_link(server, linkable, busy):
    """Built or running a task: busy for now (a link may wait); in
    error or suspended: a plain 409."""
    from occi_pyramid.exceptions import OCCIBusy

    if linkable:
        base.linkable(server)
        return
    with pytest.raises(OCCIConflict, match='No link can be made now') as err:
        base.linkable(server)
    assert isinstance(err.value, OCCIBusy) == busy


@pytest.mark.parametrize('server, may', [
    ({'status': 'ACTIVE', 'attachments': []}, False),
    ({'status': 'ACTIVE', 'attachments': [
        {'OS-EXT-IPS:type': 'fixed'}]}, False),
    ({'status': 'ACTIVE', 'attachments': [
        {'OS-EXT-IPS:type': 'floating'}]}, True),
    ({'status': 'BUILD'}, True),
    ({'status': 'ACTIVE', 'SNF:task_state': 'CONNECTING'}, True),
])
def test_a_delete_lists_floating_ips_only_when_the_record_says_so(
        server, may):
    assert compute.may_hold_floating_ips(server) is may


@pytest.mark.parametrize('size, volume', [(0.1, 1), (1, 1), (2.5, 3)])
def test_a_fractional_size_gets_the_smallest_volume_holding_it(size, volume):
    assert StorageHandler._size(size) == volume


def test_every_network_and_storage_action_is_in_its_table():
    assert set(NETWORK_ACTIONS) == {a.type_id for a in model.NETWORK.actions}
    assert set(STORAGE_ACTIONS) == {a.type_id for a in model.STORAGE.actions}


def network(state):
    return model.Resource(model.NETWORK, '5', attributes={
        'occi.network.state': state})


def storage(state):
    return model.Resource(model.STORAGE, '7', attributes={
        'occi.storage.state': state})


def test_up_is_done_for_an_active_network_and_a_conflict_otherwise():
    assert isinstance(NETWORK_ACTIONS[model.UP.type_id](network('active')),
                      model.ActionResult)
    with pytest.raises(OCCIConflict, match='is inactive'):
        NETWORK_ACTIONS[model.UP.type_id](network('inactive'))
    with pytest.raises(OCCINotImplemented, match='cannot be taken down'):
        NETWORK_ACTIONS[model.DOWN.type_id](network('active'))


@pytest.mark.parametrize('action, match', [
    (model.OFFLINE, 'offline: .*detach'),
    (model.BACKUP, 'backup: Synnefo has no volume backups'),
    (model.SNAPSHOT, 'snapshot: '),
    (model.RESIZE, 'resize: Synnefo cannot resize'),
])
def test_storage_actions_synnefo_lacks_are_501_with_a_reason(action, match):
    with pytest.raises(OCCINotImplemented, match=match):
        STORAGE_ACTIONS[action.type_id](storage('online'), action)


def test_online_is_done_for_an_online_volume_only():
    online = STORAGE_ACTIONS[model.ONLINE.type_id]
    assert isinstance(online(storage('online'), model.ONLINE),
                      model.ActionResult)
    with pytest.raises(OCCINotImplemented, match='the volume is offline'):
        online(storage('offline'), model.ONLINE)


def test_a_retold_error_keeps_the_clouds_status_and_details():
    error = BackendBadRequest('Method not allowed.', code=405,
                              details='the cloud said so')
    told = retold(error, 'No link was added: %s' % error.message)
    assert (type(told), told.code, told.details) == (
        BackendBadRequest, 405, 'the cloud said so')
    assert told.message == str(told) == 'No link was added: Method not ' \
        'allowed.'
    assert error.message == 'Method not allowed.'       # not changed


def test_a_state_conflict_is_409_with_the_clouds_message_and_details():
    error = BackendBadRequest('Volume is in use.', details='busy')
    conflict = as_conflict(error)
    assert (conflict.code, conflict.message, conflict.details) == (
        409, 'Volume is in use.', 'busy')
    assert isinstance(conflict, BackendConflict)
    assert as_conflict(error, 'Not now: x').message == 'Not now: x'


def test_a_failed_create_says_what_is_left_keeping_the_status():
    error = BackendUnavailable('The cloud timed out.')
    told = inline.InlineLinks.failed(error, ['/compute/9'], unsure=True)
    assert told.code == 503
    assert 'may have been created' in told.message
    assert 'Also left: compute /compute/9.' in told.message
    refused = BackendConflict('No free IP.')
    left = inline.InlineLinks.failed(refused, [
        {'floating_ip_address': '192.0.2.7'}])
    assert left.code == 409 and 'floating IP 192.0.2.7 exist now' in (
        left.message)
    assert inline.InlineLinks.failed(refused, []).message == (
        'The compute was not created: No free IP.')
