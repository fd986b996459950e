"""The in-memory backend passes the backend contract (its manual mode:
computes build, and run actions, when the contract settles the cloud)."""
import pytest

from occi_pyramid.backends.memory import MemoryBackend, MemoryCloud
from occi_pyramid.backends.testing import BackendContract, Tokens

TOKENS = Tokens(alice='alice-token', bob='bob-token', refused='nobody')


@pytest.fixture
def cloud():
    return MemoryCloud({TOKENS.alice: 'alice', TOKENS.bob: 'bob'},
                       manual=True)


@pytest.fixture
def backend(cloud):
    return MemoryBackend(cloud)


@pytest.fixture
def tokens():
    return TOKENS


class TestMemoryBackend(BackendContract):
    pass
