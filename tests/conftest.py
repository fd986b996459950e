"""Fixtures shared by the functional tests (the cookiecutter ladder):
ini_file -> app_settings -> app -> testapp, on testing.ini with one
embedded Synnefo simulator per test session."""
import os

import pytest

HERE = os.path.dirname(__file__)
ROOT = os.path.dirname(HERE)


@pytest.fixture(scope='session')
def ini_file():
    return os.path.join(ROOT, 'testing.ini')


@pytest.fixture(scope='session')
def app_settings(ini_file):
    from pyramid.paster import get_appsettings

    return dict(get_appsettings(ini_file))


def make_testapp(settings, **extra_environ):
    import webtest

    from occi_pyramid import main

    environ = {'HTTP_HOST': 'occi.example.org'}
    environ.update(extra_environ)
    return webtest.TestApp(main({}, **settings), extra_environ=environ)
