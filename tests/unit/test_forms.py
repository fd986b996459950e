"""HTML form bodies and page queries → the text/plain parser's cstruct."""
import pytest

from occi_pyramid.exceptions import OCCIParseError
from occi_pyramid.forms import FormParser, query_cstruct
from occi_pyramid.parsers import parse_request

INFRA = 'http://schemas.ogf.org/occi/infrastructure#'
TPL = 'http://schemas.synnefo.org/occi/templates/os#'


def without_class(cstruct):
    for entry in cstruct['categories']:
        entry['class'] = None
    return cstruct


def test_a_create_form_is_the_text_plain_request():
    form = FormParser().parse(
        b'_csrf=abc&category=http%3A%2F%2Fschemas.ogf.org%2Focci%2F'
        b'infrastructure%23compute&attr.occi.core.title=web+1'
        b'&category=http%3A%2F%2Fschemas.synnefo.org%2Focci%2Ftemplates%2F'
        b'os%23image-1&attr.occi.compute.hostname=')
    plain = parse_request('text/plain', (
        'Category: compute; scheme="%s"\n'
        'Category: image-1; scheme="%s"\n'
        'X-OCCI-Attribute: occi.core.title="web 1"\n' % (INFRA, TPL)
    ).encode())
    assert form == without_class(plain)


def test_locations_and_an_attribute_filter():
    cstruct = query_cstruct('attribute=occi.compute.state&value=active'
                            '&page=2&number=5&confirm=delete')
    assert cstruct['attributes'] == {'occi.compute.state': 'active'}
    assert cstruct['categories'] == []
    form = FormParser().parse(b'_method=DELETE&location=%2Fcompute%2F1')
    assert form['locations'] == ['/compute/1']


@pytest.mark.parametrize('body, named', [
    (b'colour=red', "'colour'"),
    (b'category=compute', "'category'"),
    (b'attr.bad%20name=1', "'attr.bad name'"),
    (b'location=%2Fa%20b', "'location'"),
    (b'attribute=%3Cx%3E&value=1', "'attribute'"),
])
def test_bad_fields_are_400_naming_them(body, named):
    with pytest.raises(OCCIParseError) as error:
        FormParser().parse(body)
    assert named in error.value.message


def test_a_form_that_is_not_utf8_is_400():
    with pytest.raises(OCCIParseError):
        FormParser().parse(b'attr.occi.core.title=%FF')
