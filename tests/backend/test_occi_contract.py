"""The Synnefo backend passes the OCCI backend contract, over the
simulator (through real kamaki)."""
import pytest
from pyramid.request import Request, apply_request_extensions

from tests.backend.contract import OCCISessionContract
from tests.functional.conftest import ALICE, HOST


@pytest.fixture(scope='module')
def app(app_settings):
    from occi_pyramid import main

    return main({}, **dict(app_settings))


@pytest.fixture
def occi(app):
    from tests.functional.conftest import _simulator_of, forget_deferred_work

    forget_deferred_work(app.registry)
    _simulator_of(app.registry.settings).reset()

    def session():
        request = Request.blank('/', base_url=HOST,
                                headers={'X-Auth-Token': ALICE})
        request.registry = app.registry
        apply_request_extensions(request)
        return request.occi

    return session


class TestSynnefoBackend(OCCISessionContract):
    pass
