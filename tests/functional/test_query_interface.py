"""The query interface over WebTest, in every rendering."""
import json

import pytest

from tests.conftest import make_testapp

INFRA = 'http://schemas.ogf.org/occi/infrastructure#'


@pytest.fixture(scope='module')
def testapp(app_settings):
    return make_testapp(app_settings)


def test_text_plain_is_the_default(testapp):
    res = testapp.get('/-/', headers={'X-Auth-Token': 'alice-token'})
    assert res.status_int == 200
    assert res.content_type == 'text/plain'
    lines = res.text.splitlines()
    assert any(line.startswith('Category: compute; scheme="%s"; '
                               'class="kind"' % INFRA) for line in lines)
    assert res.headers['Server'].endswith('OCCI/1.1 OCCI/1.2')
