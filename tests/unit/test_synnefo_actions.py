"""The compute action table: which Synnefo operation each OCCI action
runs, with which arguments (recorded, no cloud needed)."""
import pytest

from occi_pyramid import model
from occi_pyramid.backends.synnefo.handlers.compute import COMPUTE_ACTIONS


class Recorder:
    """Records the session operations an action runs."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append(
            (name, args, kwargs))


@pytest.mark.parametrize('action, params, expected', [
    (model.START, {}, ('start_server', (7,), {})),
    (model.STOP, {'method': 'graceful'}, ('shutdown_server', (7,), {})),
    (model.SUSPEND, {'method': 'suspend'}, ('shutdown_server', (7,), {})),
    (model.RESTART, {'method': 'warm'},
     ('reboot_server', (7,), {'hard': False})),
    (model.RESTART, {'method': 'cold'},
     ('reboot_server', (7,), {'hard': True})),
])
def test_each_action_runs_one_operation(action, params, expected):
    session = Recorder()
    COMPUTE_ACTIONS[action.type_id](session, 7, params)
    assert session.calls == [expected]


def test_every_compute_action_but_save_is_in_the_table():
    assert set(COMPUTE_ACTIONS) == {
        a.type_id for a in model.COMPUTE.actions if a != model.SAVE}
