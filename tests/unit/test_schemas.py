"""Attribute validation derived from the model."""
import colander
import pytest

from occi_pyramid import model
from occi_pyramid.exceptions import OCCIBadRequest, OCCIForbidden


def _deserialize(values, categories, updating=False):
    from occi_pyramid.schemas import (
        create_schema, definitions_for, deserialize, update_schema,
    )

    return deserialize(values, definitions_for(categories),
                       update_schema if updating else create_schema)


class TestCoercion:
    def test_text_values_are_coerced_to_the_attribute_types(self):
        result = _deserialize({
            'occi.core.title': 'vm',
            'occi.compute.cores': '2',
            'occi.compute.memory': '1.5',
            'occi.compute.architecture': 'x64',
        }, [model.COMPUTE])
        assert result == {
            'occi.core.title': 'vm', 'occi.compute.cores': 2,
            'occi.compute.memory': 1.5, 'occi.compute.architecture': 'x64',
        }

    def test_json_values_keep_their_types(self):
        result = _deserialize(
            {'occi.compute.cores': 4, 'occi.compute.memory': 2},
            [model.COMPUTE])
        assert result == {'occi.compute.cores': 4,
                          'occi.compute.memory': 2.0}

    @pytest.mark.parametrize('name, value', [
        ('occi.compute.cores', '2.5'),
        ('occi.compute.cores', 2.5),
        ('occi.compute.cores', True),
        ('occi.compute.cores', 'two'),
        ('occi.compute.memory', 'lots'),
        ('occi.compute.memory', False),
        ('occi.compute.architecture', 'arm'),
        ('occi.core.title', 5),
    ])
    def test_wrong_values_name_the_attribute(self, name, value):
        with pytest.raises(colander.Invalid) as info:
            _deserialize({name: value}, [model.COMPUTE])
        assert list(info.value.asdict()) == [name]

    @pytest.mark.parametrize('given, expected', [
        ('true', True), ('"false"'.strip('"'), False), ('TRUE', True),
        (True, True), (False, False),
    ])
    def test_booleans_are_strict(self, given, expected):
        from occi_pyramid.schemas import StrictBoolean

        node = colander.SchemaNode(StrictBoolean(), name='b')
        assert node.deserialize(given) is expected
        with pytest.raises(colander.Invalid):
            node.deserialize('yes')


class TestNames:
    def test_unknown_attributes_are_named(self):
        with pytest.raises(OCCIBadRequest) as info:
            _deserialize({'occi.compute.cores': '1', 'com.example.x': '1',
                          'occi.storage.size': '1'}, [model.COMPUTE])
        assert 'com.example.x, occi.storage.size' in info.value.message

    def test_mixin_attributes_are_known_with_the_mixin(self):
        result = _deserialize({'occi.network.address': '10.0.0.0/24'},
                              [model.NETWORK, model.IPNETWORK])
        assert result == {'occi.network.address': '10.0.0.0/24'}

    def test_required_attributes_must_be_given_on_create(self):
        with pytest.raises(colander.Invalid) as info:
            _deserialize({}, [model.STORAGE])
        assert 'occi.storage.size' in info.value.asdict()
        assert _deserialize({}, [model.STORAGE], updating=True) == {}


class TestImmutable:
    def _check(self, values, current=None, ignore=()):
        from occi_pyramid.schemas import check_immutable, definitions_for

        return check_immutable(values, definitions_for([model.COMPUTE]),
                               current, ignore)

    def test_a_client_cannot_set_the_state(self):
        with pytest.raises(OCCIForbidden) as info:
            self._check({'occi.compute.state': 'active'})
        assert 'occi.compute.state' in info.value.message

    def test_echoed_values_are_accepted_and_dropped(self):
        assert self._check(
            {'occi.compute.state': 'active', 'occi.compute.cores': '2',
             'occi.core.id': '42'},
            current={'occi.compute.state': 'active', 'occi.core.id': '42'},
        ) == {'occi.compute.cores': '2'}

    def test_ignored_names_are_dropped(self):
        assert self._check({'occi.core.id': 'x'}, ignore=('occi.core.id',)) \
            == {}

    def test_immutable_attributes_are_not_in_the_create_schema(self):
        from occi_pyramid.schemas import create_schema, definitions_for

        schema = create_schema(definitions_for([model.COMPUTE]))
        names = [node.name for node in schema.children]
        assert 'occi.compute.state' not in names
        assert 'occi.core.id' not in names
        assert 'occi.compute.cores' in names

    def test_immutable_attributes_are_not_in_the_update_schema(self):
        from occi_pyramid.schemas import definitions_for, update_schema

        schema = update_schema(definitions_for([model.STORAGE]))
        names = [node.name for node in schema.children]
        assert 'occi.storage.state' not in names
        assert all(node.missing is colander.drop for node in schema.children)

    def test_action_parameters_keep_their_definitions(self):
        from occi_pyramid.schemas import parameters_schema

        schema = parameters_schema(model.RESIZE.attributes)
        with pytest.raises(colander.Invalid) as info:
            schema.deserialize({})
        assert list(info.value.asdict()) == ['size']
        assert parameters_schema(model.STOP.attributes).deserialize(
            {}) == {}


class TestConstraints:
    """Formats and bounds live in the attribute definitions and are
    checked with the types, naming the attribute and the value."""

    @pytest.mark.parametrize('categories, name, value', [
        ([model.COMPUTE], 'occi.compute.cores', '0'),
        ([model.COMPUTE], 'occi.compute.cores', -1),
        ([model.COMPUTE], 'occi.compute.memory', '-0.5'),
        ([model.COMPUTE], 'occi.compute.memory', '1e999'),
        ([model.COMPUTE], 'occi.compute.memory', float('nan')),
        ([model.STORAGE], 'occi.storage.size', 0),
        ([model.STORAGE], 'occi.storage.size', float('inf')),
        ([model.COMPUTE, model.USER_DATA], 'occi.compute.userdata',
         'not base64 !!'),
        ([model.COMPUTE, model.OPENSTACK_USER_DATA],
         'org.openstack.compute.user_data', 'aGVsbG8=\n'),
        ([model.NETWORK, model.IPNETWORK], 'occi.network.address',
         '10.0.0.0/33'),
        ([model.NETWORK, model.IPNETWORK], 'occi.network.gateway',
         '10.0.0.256'),
        ([model.NETWORKINTERFACE, model.IPNETWORKINTERFACE],
         'occi.networkinterface.address', 'fe80::1::2'),
    ])
    def test_out_of_range_or_format_is_invalid(self, categories, name,
                                                value):
        values = {name: value}
        if model.STORAGE in categories and name != 'occi.storage.size':
            values['occi.storage.size'] = 1
        for updating in (False, True):
            with pytest.raises(colander.Invalid) as info:
                _deserialize(values, categories, updating)
            message = info.value.asdict()[name]
            assert message.startswith('must be ')
            assert str(value).strip('"') in message or (
                repr(float(value)) in message)

    @pytest.mark.parametrize('categories, name, value', [
        ([model.NETWORK, model.IPNETWORK], 'occi.network.address',
         '10.0.0.1/24'),
        ([model.NETWORK, model.IPNETWORK], 'occi.network.address',
         '2001:db8::/64'),
        ([model.NETWORK, model.IPNETWORK], 'occi.network.gateway',
         '2001:db8::1'),
        ([model.NETWORKINTERFACE, model.IPNETWORKINTERFACE],
         'occi.networkinterface.address', '192.168.1.7'),
    ])
    def test_addresses_and_networks_of_both_families(self, categories,
                                                      name, value):
        values = {name: value}
        if model.NETWORKINTERFACE in categories:
            values.update({'occi.core.source': '/compute/1',
                           'occi.core.target': '/network/1'})
        assert _deserialize(values, categories)[name] == value

    def test_the_messages_say_what_is_wanted(self):
        with pytest.raises(colander.Invalid) as info:
            _deserialize({'occi.storage.size': '-2'}, [model.STORAGE])
        assert info.value.asdict() == {
            'occi.storage.size': 'must be positive; got -2.0'}
        with pytest.raises(colander.Invalid) as info:
            _deserialize({'occi.compute.userdata': 'x!'},
                         [model.COMPUTE, model.USER_DATA])
        assert info.value.asdict() == {
            'occi.compute.userdata': 'must be base64-encoded; got "x!"'}

    @pytest.mark.parametrize('values, mixins', [
        ({'occi.compute.cores': 1, 'occi.compute.memory': '0.1'}, []),
        ({'occi.compute.userdata': 'aGVsbG8='}, [model.USER_DATA]),
        ({'occi.compute.userdata': ''}, [model.USER_DATA]),
    ])
    def test_values_in_range_and_format_pass(self, values, mixins):
        assert _deserialize(values, [model.COMPUTE] + mixins).keys() \
            == values.keys()

    def test_a_template_default_keeps_the_kind_bound(self):
        from occi_pyramid.schemas import definitions_for

        template = model.Mixin(
            'http://example.org/tpl#', 'big', applies=[model.COMPUTE],
            depends=[model.RESOURCE_TPL], attributes=model.attribute_map(
                model.AttributeDef('occi.compute.cores', 'integer',
                                   default=2)))
        definition = definitions_for([model.COMPUTE, template])[
            'occi.compute.cores']
        assert (definition.default, definition.exclusive_minimum) == (2, 0)
        with pytest.raises(colander.Invalid):
            _deserialize({'occi.compute.cores': 0},
                         [model.COMPUTE, template])

    def test_a_definition_of_another_type_keeps_no_constraint(self):
        from occi_pyramid.schemas import definitions_for

        other = model.Mixin(
            'http://example.org/x#', 'x', applies=[model.COMPUTE],
            attributes=model.attribute_map(
                model.AttributeDef('occi.compute.cores', 'string')))
        definition = definitions_for([model.COMPUTE, other])[
            'occi.compute.cores']
        assert (definition.type, definition.exclusive_minimum) == (
            'string', None)

    def test_a_bound_is_only_for_numbers(self):
        with pytest.raises(ValueError):
            model.AttributeDef('x', 'string', exclusive_minimum=0)
        with pytest.raises(ValueError):
            model.AttributeDef('x', 'string', format='base32')
