"""Attribute validation with colander, derived from the model.

Parsers hand over strings (text renderings) or JSON values; the schemas
built here from :class:`~occi_pyramid.model.AttributeDef` coerce them to
the attribute's type and check enumerations, patterns, bounds, formats
and required attributes, so a malformed value is refused before any
backend sees it.  colander's stock types are lenient (``Boolean`` reads
``"garbage"`` as true, ``Int`` truncates ``2.5``); OCCI needs the strict
ones below.  Every failure is a ``colander.Invalid`` keyed by the full OCCI
attribute name, which the error view answers with 400.

Unknown and immutable attributes are checked before colander runs, so the
messages name them plainly (:func:`check_attribute_names`).
"""
import base64
import binascii
import ipaddress
import math
import re

import colander

from .exceptions import OCCIBadRequest, OCCIForbidden

_INT_RE = re.compile(r'^[+-]?\d+$')
_FLOAT_RE = re.compile(r'^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$')


class StrictString(colander.String):
    """Only strings."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if not isinstance(cstruct, str):
            raise colander.Invalid(
                node, '%s is not a string' % _show(cstruct))
        return cstruct


class StrictInt(colander.Number):
    """Integers, or strings of digits; never booleans or fractions."""

    num = int

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if isinstance(cstruct, bool):
            raise colander.Invalid(node, '%s is not an integer'
                                   % _show(cstruct))
        if isinstance(cstruct, int):
            return cstruct
        if isinstance(cstruct, float) and cstruct.is_integer():
            return int(cstruct)
        if isinstance(cstruct, str) and _INT_RE.match(cstruct.strip()):
            return int(cstruct.strip())
        raise colander.Invalid(node, '%s is not an integer' % _show(cstruct))


class StrictFloat(colander.Number):
    """Numbers, or strings holding one; never booleans."""

    num = float

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if isinstance(cstruct, bool):
            raise colander.Invalid(node, '%s is not a number'
                                   % _show(cstruct))
        if isinstance(cstruct, (int, float)):
            return float(cstruct)
        if isinstance(cstruct, str) and _FLOAT_RE.match(cstruct.strip()):
            return float(cstruct.strip())
        raise colander.Invalid(node, '%s is not a number' % _show(cstruct))


class StrictBoolean(colander.Boolean):
    """``true``/``false`` (any case, quoted or bare), or JSON booleans."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if isinstance(cstruct, bool):
            return cstruct
        if isinstance(cstruct, str) and cstruct.strip().lower() in (
                'true', 'false'):
            return cstruct.strip().lower() == 'true'
        raise colander.Invalid(
            node, '%s is not a boolean (true or false)' % _show(cstruct))


class AnyValue(colander.SchemaType):
    """Arrays and objects: passed through when JSON gave them."""

    def __init__(self, expected):
        self.expected = expected

    def serialize(self, node, appstruct):
        return appstruct

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if not isinstance(cstruct, self.expected):
            raise colander.Invalid(node, '%s is not %s' % (
                _show(cstruct),
                'an array' if self.expected is list else 'an object'))
        return cstruct


def _show(value):
    text = repr(value) if not isinstance(value, str) else '"%s"' % value
    return text if len(text) <= 60 else text[:57] + '...'


_TYPES = {
    'string': StrictString,
    'enum': StrictString,
    'integer': StrictInt,
    'float': StrictFloat,
    'boolean': StrictBoolean,
    'array': lambda: AnyValue(list),
    'object': lambda: AnyValue(dict),
}


def above(bound):
    """A validator: finite numbers greater than ``bound``."""
    def validator(node, value):
        if not (bound < value < math.inf):
            raise colander.Invalid(node, 'must be %s; got %s' % (
                'positive' if bound == 0 else 'greater than %s' % bound,
                _show(value)))
    return validator


def base64_text(node, value):
    """A validator: base64 (RFC 4648 section 4), no line breaks."""
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise colander.Invalid(
            node, 'must be base64-encoded; got %s' % _show(value))


def ip_address(node, value):
    """A validator: an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise colander.Invalid(
            node, 'must be an IPv4 or IPv6 address; got %s' % _show(value))


def cidr(node, value):
    """A validator: an IP network in CIDR notation (host bits may be
    set, as Synnefo's and OpenStack's subnet APIs allow)."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise colander.Invalid(
            node, 'must be an IP network in CIDR notation (such as '
            '10.0.0.0/24); got %s' % _show(value))


#: the validator of each :data:`occi_pyramid.model.core.FORMATS` name
FORMAT_VALIDATORS = {'base64': base64_text, 'ip': ip_address, 'cidr': cidr}


def attribute_node(definition, required=None):
    """A colander node for one attribute definition: its type, and the
    constraints it carries (choices, pattern, bound, format).

    :param required: override the definition's ``required`` flag (updates
        never require anything)
    """
    validators = []
    if definition.choices:
        validators.append(colander.OneOf(definition.choices))
    if definition.pattern:
        validators.append(colander.Regex(
            definition.pattern,
            msg='does not match the pattern %s' % definition.pattern))
    if definition.exclusive_minimum is not None:
        validators.append(above(definition.exclusive_minimum))
    if definition.format is not None:
        validators.append(FORMAT_VALIDATORS[definition.format])
    if required is None:
        required = definition.required
    return colander.SchemaNode(
        _TYPES[definition.type](),
        name=definition.name,
        missing=colander.required if required else colander.drop,
        validator=colander.All(*validators) if validators else None,
    )


#: what a definition restricts values by: a later definition of the same
#: attribute that gives none of one keeps the earlier one's
CONSTRAINTS = ('choices', 'pattern', 'exclusive_minimum', 'format')


def definitions_for(categories):
    """Name -> AttributeDef of every category (Kind lineage, Mixin
    ancestry), later categories winning (a template's default wins), but
    keeping the constraints of an earlier definition of the same type (a
    template with ``occi.compute.cores`` 2 by default still takes
    positive ones only).
    """
    definitions = {}
    for category in categories:
        if hasattr(category, 'all_attributes'):
            attributes = category.all_attributes()
        else:
            attributes = category.attributes
        for name, definition in attributes.items():
            earlier = definitions.get(name)
            if earlier is not None and earlier.type == definition.type:
                kept = {c: getattr(earlier, c) for c in CONSTRAINTS
                        if _given(earlier, c) and not _given(definition, c)}
                if kept:
                    definition = definition.replace(**kept)
            definitions[name] = definition
    return definitions


def _given(definition, constraint):
    return getattr(definition, constraint) not in (None, ())


def _schema(definitions, required):
    """A mapping schema over ``definitions``, where ``required(definition)``
    says whether a value must be given."""
    schema = colander.SchemaNode(colander.Mapping(unknown='raise'))
    for definition in definitions:
        schema.add(attribute_node(definition, required=required(definition)))
    return schema


def _required_without_default(definition):
    return definition.required and definition.default is None


def create_schema(definitions):
    """The schema of a create: the mutable attributes; required ones
    without a default must be given."""
    return _schema([d for d in definitions.values() if d.mutable],
                   _required_without_default)


def update_schema(definitions):
    """The schema of an update (partial or full): the mutable
    attributes, none required."""
    return _schema([d for d in definitions.values() if d.mutable],
                   lambda definition: False)


def parameters_schema(definitions):
    """The schema of an action's parameters, as they are defined."""
    return _schema(list(definitions.values()), _required_without_default)


def check_attribute_names(values, definitions, where):
    """400 for attributes no category defines, naming them."""
    unknown = sorted(name for name in values if name not in definitions)
    if unknown:
        raise OCCIBadRequest(
            'Unknown attribute%s %s for %s.' % (
                's' if len(unknown) > 1 else '', ', '.join(unknown), where))


def check_immutable(values, definitions, current=None, ignore=()):
    """Refuse client values for immutable attributes (docs/specs.md, ambiguity 8).

    Values equal to the ``current`` ones (what a client echoes from its
    last GET) are accepted and dropped; ``ignore`` names are dropped
    silently (``occi.core.id`` on create).  A real change is a 403.

    :returns: ``values`` without the immutable attributes
    """
    current = current or {}
    result = {}
    for name, value in values.items():
        definition = definitions.get(name)
        if definition is None or definition.mutable:
            result[name] = value
            continue
        if name in ignore:
            continue
        if name in current and _same(value, current[name]):
            continue
        raise OCCIForbidden(
            'The attribute %s is immutable: the server sets it.' % name)
    return result


def _same(given, current):
    if isinstance(current, bool):
        return str(given).strip().lower() == str(current).lower()
    if isinstance(current, (int, float)):
        try:
            return float(given) == float(current)
        except (TypeError, ValueError):
            return False
    return str(given) == str(current)


def deserialize(values, definitions, schema=create_schema,
                where='the entity'):
    """Validate and coerce ``values`` (attribute name -> string/JSON value).

    :param schema: what builds the schema from ``definitions``
        (:func:`create_schema`, :func:`update_schema`,
        :func:`parameters_schema`)
    :param where: what the values are of, for the messages
    :raises OCCIBadRequest: for unknown attributes
    :raises colander.Invalid: for wrong types, values or missing ones
    """
    check_attribute_names(values, definitions, where)
    return schema(definitions).deserialize(dict(values))
