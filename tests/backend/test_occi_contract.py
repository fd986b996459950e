"""The Synnefo backend passes the backend contract, on its own session
(``SynnefoBackend.session``), over the simulator through real kamaki."""
import pytest

from occi_pyramid.backends.testing import BackendContract, Tokens
from occi_pyramid.simulator.testing import ALICE, BOB


class Simulator:
    """The contract's ``cloud``: the simulator's manual clock."""

    def __init__(self, control):
        self.control = control

    def settle(self):
        # NB: a job may queue another (a build connects the ports)
        while self.control.settle():
            pass


@pytest.fixture
def tokens():
    return Tokens(alice=ALICE, bob=BOB, refused='no-such-token')


@pytest.fixture
def cloud(control):
    return Simulator(control)


class TestSynnefoBackend(BackendContract):
    pass
