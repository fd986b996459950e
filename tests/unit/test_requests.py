"""From a parsed body to validated data (views/requests.py): typed
inline links and one function per purpose (no WSGI, no cloud)."""
import colander
import pytest
from pyramid import testing

from occi_pyramid import model
from occi_pyramid.categories import CategoryRegistry, RequestCategories
from occi_pyramid.exceptions import OCCIBadRequest
from occi_pyramid.parsers import category_cstruct, empty_cstruct

HOST = 'occi.example.org'


def make_request(body):
    request = testing.DummyRequest()
    request.host = HOST
    request.categories = RequestCategories(
        CategoryRegistry(model.static_categories()), [], request)
    request.occi_body = body
    return request


def link(target, categories=(), **attributes):
    return {'target': target, 'rel': [], 'self': None,
            'categories': list(categories), 'attributes': attributes}


def compute_body(*links, **attributes):
    body = empty_cstruct()
    body['categories'].append(category_cstruct(
        'compute', model.INFRA, 'kind'))
    body['attributes'].update(attributes)
    body['links'].extend(links)
    return body


class TestInlineLinks:
    def _callFUT(self, links, current=None, created=None):
        from occi_pyramid.views.requests import inline_links

        return inline_links(make_request(empty_cstruct()), links, current,
                            created)

    def test_links_are_typed_values(self):
        found = self._callFUT([
            link('http://%s:80/network/5' % HOST,
                 [model.IPNETWORKINTERFACE.type_id],
                 **{'occi.networkinterface.address': '10.0.0.9'}),
            link('/storage/7', [model.STORAGELINK.type_id],
                 **{'occi.storagelink.deviceid': '/dev/vdb'})])
        assert found == [
            model.LinkData(model.NETWORKINTERFACE, model.NETWORK, '5',
                           (model.IPNETWORKINTERFACE,),
                           {'occi.networkinterface.address': '10.0.0.9'}),
            model.LinkData(model.STORAGELINK, model.STORAGE, '7', (),
                           {'occi.storagelink.deviceid': '/dev/vdb'})]
        assert [f.target for f in found] == ['/network/5', '/storage/7']
        assert not any(f.defer for f in found)

    @pytest.mark.parametrize('target', [
        'http://elsewhere.example.org/network/5', '/compute/3', '/nowhere/1'])
    def test_a_target_that_is_no_network_or_storage_of_ours(self, target):
        with pytest.raises(OCCIBadRequest) as info:
            self._callFUT([link(target)])
        assert info.value.message == (
            'The link target %s is not a network or storage of this '
            'server.' % target)

    def test_link_attributes_are_checked_as_a_standalone_link_s(self):
        with pytest.raises(OCCIBadRequest, match='occi.storagelink.bogus'):
            self._callFUT([link('/storage/7', **{
                'occi.storagelink.bogus': 'x'})])

    def test_the_source_is_the_compute_being_created(self):
        source = {'occi.core.source': '/compute/abc'}
        assert self._callFUT([link('/storage/7', **source)],
                             created=(model.COMPUTE, 'abc'))
        with pytest.raises(OCCIBadRequest, match='compute being created'):
            self._callFUT([link('/storage/7', **source)],
                          created=(model.COMPUTE, 'xyz'))


class TestPurposes:
    """create_data, update_data and replace_data: one function each."""

    def current(self):
        return model.Resource(model.COMPUTE, '1', '/compute/1', attributes={
            'occi.compute.state': 'active'})

    def test_create_requires_the_kind_and_validates_links(self):
        from occi_pyramid.views.requests import create_data

        data = create_data(make_request(compute_body(
            link('/network/5'), **{'occi.compute.cores': '2'})),
            model.COMPUTE)
        assert data.attributes == {'occi.compute.cores': 2}
        assert data.links == [model.LinkData(
            model.NETWORKINTERFACE, model.NETWORK, '5')]
        body = compute_body()
        body['categories'] = []
        with pytest.raises(OCCIBadRequest, match='names none'):
            create_data(make_request(body), model.COMPUTE)

    def test_update_requires_nothing_and_adds_links(self):
        from occi_pyramid.views.requests import update_data

        body = compute_body(link('/storage/7'))
        body['categories'] = []
        data = update_data(make_request(body), self.current())
        assert data.attributes == {}
        assert [x.target for x in data.links] == ['/storage/7']

    def test_replace_ignores_links(self):
        from occi_pyramid.views.requests import replace_data

        data = replace_data(make_request(compute_body(
            link('/storage/7'), **{'occi.compute.state': 'active'})),
            self.current())
        assert (data.attributes, data.links) == ({}, [])

    def test_a_malformed_value_never_reaches_data(self):
        from occi_pyramid.views.requests import create_data, update_data

        with pytest.raises(colander.Invalid):
            create_data(make_request(compute_body(
                **{'occi.compute.cores': 'two'})), model.COMPUTE)
        with pytest.raises(colander.Invalid):
            update_data(make_request(compute_body(
                **{'occi.compute.cores': 'two'})), self.current())
