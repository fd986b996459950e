"""The OCCI core model: categories, attribute definitions and entities.

Pure Python: imports neither Pyramid nor kamaki.  Value objects follow the
1.2 model (attributes carry type, mutability, requirement, default, pattern
and description); the renderings turn them into the 1.1 form where a 1.1
rendering asks (``name{immutable required}``).

Locations held here are paths relative to the application root
(``/compute/``, ``/compute/42``); renderings make them absolute.
"""
import functools
import re
from dataclasses import dataclass, field

from ..exceptions import OCCIBadRequest

CORE_SCHEME = 'http://schemas.ogf.org/occi/core#'

#: OCCI 1.1 term grammar; also what we produce for terms made from cloud data
TERM_RE = re.compile(r'^[a-z][a-z0-9_-]*$')
#: the relaxed OCCI 1.2 grammar, accepted on input
TERM_RE_12 = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
#: attribute names (1.1: dot-separated lower-case components)
ATTRIBUTE_NAME_RE = re.compile(r'^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$')
#: a scheme is a URI ending in '#'
SCHEME_RE = re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s"]*#$')

#: attribute types; JSON_TYPES maps each to its 1.2 JSON rendering type
TYPES = ('string', 'integer', 'float', 'boolean', 'enum', 'array', 'object')
JSON_TYPES = {
    'string': 'string',
    'enum': 'string',
    'integer': 'number',
    'float': 'number',
    'boolean': 'boolean',
    'array': 'array',
    'object': 'object',
}

#: what a string attribute may be said to hold (``format``): ``base64``,
#: RFC 4648 section 4 without line breaks; ``ip``, an IPv4 or IPv6
#: address; ``cidr``, an IP network in CIDR notation (GFD.184 §3.4)
FORMATS = ('base64', 'ip', 'cidr')


def make_term(text, prefix='t'):
    """Turn arbitrary cloud text into a term of the 1.1 grammar.

    Lower-cases, replaces every run of other characters with ``_`` and makes
    sure the first character is a letter (prefixing ``prefix`` + ``_``).
    Different inputs can meet in one term; callers that need a stable
    one-to-one map keep the original id next to the term.
    """
    term = re.sub(r'[^a-z0-9_-]+', '_', str(text).lower()).strip('_')
    if not term or not term[0].isalpha():
        term = '%s_%s' % (prefix, term) if term else prefix
    return term


class AttributeDef:
    """The definition of one attribute (OCCI 1.2 ``Attribute``).

    :param name: the full OCCI name, e.g. ``occi.compute.cores``
    :param type: one of :data:`TYPES`
    :param mutable: a client may set it at creation and update it
    :param required: a client must supply it at creation
    :param default: value used when none is given
    :param pattern: a regular expression (ERE) restricting string values
    :param description: human text
    :param choices: the allowed values of an ``enum``
    :param exclusive_minimum: a number the values of an ``integer`` or
        ``float`` must be greater than (as JSON Schema's
        ``exclusiveMinimum``; such values must be finite too)
    :param format: one of :data:`FORMATS`, what a ``string`` holds
    """

    __slots__ = (
        'name', 'type', 'mutable', 'required', 'default', 'pattern',
        'description', 'choices', 'exclusive_minimum', 'format',
    )

    def __init__(self, name, type='string', mutable=True, required=False,
                 default=None, pattern=None, description=None, choices=(),
                 exclusive_minimum=None, format=None):
        if type not in TYPES:
            raise ValueError('unknown attribute type %r' % type)
        if format is not None and format not in FORMATS:
            raise ValueError('unknown attribute format %r' % format)
        if exclusive_minimum is not None and type not in ('integer',
                                                          'float'):
            raise ValueError('a bound on the %s attribute %s' % (type, name))
        self.name = name
        self.type = type
        self.mutable = mutable
        self.required = required
        self.default = default
        self.pattern = pattern
        self.description = description
        self.choices = tuple(choices)
        self.exclusive_minimum = exclusive_minimum
        self.format = format

    @property
    def json_type(self):
        return JSON_TYPES[self.type]

    def replace(self, **changes):
        """A copy with some properties changed (templates set defaults)."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return AttributeDef(**values)

    def __eq__(self, other):
        return isinstance(other, AttributeDef) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__
        )

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return '<AttributeDef %s %s%s%s>' % (
            self.name, self.type,
            '' if self.mutable else ' immutable',
            ' required' if self.required else '',
        )


def attribute_map(*definitions):
    """An ordered name -> AttributeDef dictionary."""
    return {a.name: a for a in definitions}


class Category:
    """Base of Kind, Mixin and Action: identified by scheme + term."""

    category_class = None

    def __init__(self, scheme, term, title=None, attributes=None):
        self.scheme = scheme
        self.term = term
        self.title = title
        self.attributes = dict(attributes or {})
        #: what renderers made of this category, kept by them: a category
        #: does not change once built (the query interface renders every
        #: one on each request)
        self.rendered = {}

    @functools.cached_property
    def type_id(self):
        # NB: kept: a category does not change once built, and a request
        # asks for type ids some thirty times
        return self.scheme + self.term

    def __eq__(self, other):
        return (
            isinstance(other, Category)
            and self.category_class == other.category_class
            and self.type_id == other.type_id
        )

    def __hash__(self):
        return hash(self.type_id)

    def __repr__(self):
        return '<%s %s>' % (type(self).__name__, self.type_id)


class Action(Category):
    """An invocable operation; its attributes are the parameters."""

    category_class = 'action'


class _Typed(Category):
    """Common to Kind and Mixin: a location and a list of actions."""

    def __init__(self, scheme, term, title=None, attributes=None,
                 actions=(), location=None):
        super().__init__(scheme, term, title, attributes)
        self.actions = list(actions)
        self.location = location

    def action(self, term):
        """The action of this category with ``term``, or ``None``."""
        for action in self.actions:
            if action.term == term:
                return action
        return None


class Kind(_Typed):
    """The type of an entity; ``parent`` chains up to core#entity."""

    category_class = 'kind'

    def __init__(self, scheme, term, title=None, attributes=None,
                 actions=(), location=None, parent=None):
        super().__init__(scheme, term, title, attributes, actions, location)
        self.parent = parent

    def lineage(self):
        """This Kind and its ancestors, nearest first."""
        kind = self
        while kind is not None:
            yield kind
            kind = kind.parent

    def is_a(self, other):
        """True when ``other`` is this Kind or one of its ancestors."""
        return any(k == other for k in self.lineage())

    def all_attributes(self):
        """Attribute definitions of this Kind and its ancestors.

        Ancestors' attributes come first (``occi.core.id`` leads), as the
        query interface and the renderings list them.
        """
        result = {}
        for kind in reversed(list(self.lineage())):
            result.update(kind.attributes)
        return result


class Mixin(_Typed):
    """A mixin: adds attributes and actions to the entities it tags.

    ``depends`` are the mixins it builds on (1.1 ``related``); ``applies``
    the kinds it may be applied to (empty: any).  ``owner`` is set on
    user-defined mixins (the user id), ``None`` on provider ones.
    """

    category_class = 'mixin'

    def __init__(self, scheme, term, title=None, attributes=None,
                 actions=(), location=None, depends=(), applies=(),
                 owner=None):
        super().__init__(scheme, term, title, attributes, actions, location)
        self.depends = list(depends)
        self.applies = list(applies)
        self.owner = owner

    def ancestry(self):
        """This mixin and every mixin it depends on, transitively."""
        seen, stack = [], [self]
        while stack:
            mixin = stack.pop(0)
            if mixin not in seen:
                seen.append(mixin)
                stack.extend(mixin.depends)
        return seen

    def is_a(self, other):
        return other in self.ancestry()

    def all_attributes(self):
        result = {}
        for mixin in reversed(self.ancestry()):
            result.update(mixin.attributes)
        return result

    def applies_to(self, kind):
        """True when this mixin may tag an entity of ``kind``."""
        applies = self.applies
        if not applies:
            for mixin in self.ancestry()[1:]:
                if mixin.applies:
                    applies = mixin.applies
                    break
        return not applies or any(kind.is_a(k) for k in applies)


class Entity:
    """An entity instance (abstract): a Resource or a Link.

    :param kind: its Kind
    :param id: ``occi.core.id``
    :param location: its path, e.g. ``/compute/42``
    :param title: ``occi.core.title``
    :param mixins: the mixins associated with it
    :param attributes: every other attribute value, by full name
    :param actions: the actions applicable now (rendered as action links)
    """

    #: set on what a create answers when the entity was there already (a
    #: link created twice): the create is then a 200, not a 201
    existed = False

    def __init__(self, kind, id, location=None, title=None, mixins=(),
                 attributes=None, actions=()):
        self.kind = kind
        self.id = id
        self.location = location
        self.title = title
        self.mixins = list(mixins)
        self.attributes = dict(attributes or {})
        self.actions = list(actions)

    def core_attributes(self):
        """The ``occi.core.*`` attribute values this entity has."""
        values = {'occi.core.id': self.id}
        if self.title is not None:
            values['occi.core.title'] = self.title
        return values

    def attribute_values(self):
        """Every attribute value, core ones first, ``None`` values left out.
        """
        values = self.core_attributes()
        values.update(
            (k, v) for k, v in self.attributes.items() if v is not None
        )
        return values

    def categories(self):
        return [self.kind] + self.mixins

    def has_category(self, category):
        """True when the kind or one mixin is (or descends from) it."""
        if isinstance(category, Kind):
            return self.kind.is_a(category)
        return any(m.is_a(category) for m in self.mixins)

    def __repr__(self):
        return '<%s %s %s>' % (type(self).__name__, self.kind.term, self.id)


class Resource(Entity):
    """A Resource instance; owns its outgoing links."""

    def __init__(self, kind, id, location=None, title=None, mixins=(),
                 attributes=None, actions=(), summary=None, links=()):
        super().__init__(kind, id, location, title, mixins, attributes,
                         actions)
        self.summary = summary
        self.links = list(links)

    def core_attributes(self):
        values = super().core_attributes()
        if self.summary is not None:
            values['occi.core.summary'] = self.summary
        return values


class Link(Entity):
    """A Link instance between a source Resource and a target.

    ``source`` and ``target`` are locations (paths, or absolute URLs for
    targets outside the provider); ``source_kind`` and ``target_kind`` are
    Kinds when known.
    """

    def __init__(self, kind, id, location=None, title=None, mixins=(),
                 attributes=None, actions=(), source=None, target=None,
                 source_kind=None, target_kind=None):
        super().__init__(kind, id, location, title, mixins, attributes,
                         actions)
        self.source = source
        self.target = target
        self.source_kind = source_kind
        self.target_kind = target_kind

    def core_attributes(self):
        values = super().core_attributes()
        values['occi.core.source'] = self.source
        values['occi.core.target'] = self.target
        return values


class Collection:
    """A list of entities (or only their locations) to render.

    ``entities`` are full Entity objects; ``locations`` are extra paths for
    members known only by location.  ``Collection.locations_only`` renders
    as a location list in every format.
    """

    def __init__(self, entities=(), locations=()):
        self.entities = list(entities)
        self._locations = list(locations)

    @property
    def locations(self):
        return [e.location for e in self.entities] + self._locations

    @property
    def resources(self):
        return [e for e in self.entities if isinstance(e, Resource)]

    @property
    def links(self):
        return [e for e in self.entities if isinstance(e, Link)]

    def __len__(self):
        return len(self.entities) + len(self._locations)

    def __iter__(self):
        return iter(self.entities)


class CategoryCollection:
    """The categories of the query interface (or one filtered subset)."""

    def __init__(self, categories=()):
        self.categories = list(categories)

    @property
    def kinds(self):
        return [c for c in self.categories if isinstance(c, Kind)]

    @property
    def mixins(self):
        return [c for c in self.categories if isinstance(c, Mixin)]

    @property
    def actions(self):
        return [c for c in self.categories if isinstance(c, Action)]

    def __iter__(self):
        return iter(self.categories)

    def __len__(self):
        return len(self.categories)


@dataclass(frozen=True)
class LinkData:
    """A validated inline link of a compute create or partial update: its
    target is a resource of this server, its categories those of its kind
    and its attributes those they define, checked as a standalone link's
    (the ends apart: the source is the compute it comes with).

    :ivar kind: the link's Kind (networkinterface, storagelink)
    :ivar target_kind: the Kind of the resource it links to
    :ivar target_id: that resource's id
    :ivar mixins: the link's Mixins (resolved, applicable)
    :ivar attributes: validated attribute values by name, without the
        ends (``occi.core.source``, ``occi.core.target``, ``occi.core.id``)
    :ivar defer: checked with the rest but made later, by the caller
        (a storage link of a new compute: docs/backends.md)
    """

    kind: Kind
    target_kind: Kind
    target_id: str
    mixins: tuple = ()
    attributes: dict = field(default_factory=dict, hash=False)
    defer: bool = False

    @property
    def target(self):
        """The target's location (a path)."""
        return self.target_kind.location + self.target_id


class EntityData:
    """A validated create or update request.

    :ivar kind: the entity's Kind
    :ivar mixins: the Mixins named (resolved, applicable)
    :ivar attributes: validated attribute values by name
    :ivar links: the inline links (:class:`LinkData`)
    """

    def __init__(self, kind, mixins=(), attributes=None, links=()):
        self.kind = kind
        self.mixins = list(mixins)
        self.attributes = dict(attributes or {})
        self.links = list(links)

    def template(self, base):
        """The cloud's mixin given that depends on ``base`` (os_tpl /
        resource_tpl), or ``None``; two of them are a 400.  A user mixin
        never poses as one (a resource template of the user's own asks
        for sizes: :meth:`sizes`)."""
        found = [m for m in self.mixins if m is not base and m.is_a(base)
                 and getattr(m, 'owner', None) is None]
        if len(found) > 1:
            raise OCCIBadRequest('Only one %s mixin may be given; got %s.' % (
                base.term, ', '.join(m.type_id for m in found)))
        return found[0] if found else None

    def has(self, mixin):
        return any(m.is_a(mixin) for m in self.mixins)

    def get(self, name, default=None):
        return self.attributes.get(name, default)


class ActionResult:
    """What an action or collection action answers (200, maybe a body).

    ``failures`` maps member locations to error messages for collection
    actions that partly failed; ``category`` is set when the action answers
    with a category (``save`` returns the new os_tpl).
    """

    def __init__(self, entity=None, category=None, failures=None):
        self.entity = entity
        self.category = category
        self.failures = dict(failures or {})


class Unfinished:
    """What a backend's ``delete`` answers when the cloud took the delete
    (the entity is gone for OCCI) but the server must carry it on: let
    go what the entity held once the cloud is done with it, or first
    detach what must outlive it.  The deferred-work layer then calls the
    session's ``resume_delete(kind, id, resume)`` until it answers
    ``None`` (docs/decisions.md, "Deferred work").

    :param waiting: what it waits for, e.g. ``compute 3 to be deleted``
    :param resume: what the backend needs to go on (JSON-able)
    :param goes_with: the locations of what goes with the entity (a
        compute's root disk): gone for OCCI from now on too
    """

    def __init__(self, waiting, resume=None, goes_with=()):
        self.waiting = waiting
        self.resume = resume
        self.goes_with = tuple(goes_with)

    def __repr__(self):
        return 'Unfinished(%r, %r)' % (self.waiting, self.resume)


# -- The three core Kinds ---------------------------------------------------

ENTITY = Kind(
    CORE_SCHEME, 'entity', 'Entity type',
    attributes=attribute_map(
        AttributeDef('occi.core.id', 'string', mutable=False, required=True,
                     description='Unique identifier of the entity'),
        AttributeDef('occi.core.title', 'string',
                     description='Display name of the entity'),
    ),
)

RESOURCE = Kind(
    CORE_SCHEME, 'resource', 'Resource', parent=ENTITY,
    location='/resource/',
    attributes=attribute_map(
        AttributeDef('occi.core.summary', 'string',
                     description='Summarising description of the resource'),
    ),
)

LINK = Kind(
    CORE_SCHEME, 'link', 'Link', parent=ENTITY, location='/link/',
    attributes=attribute_map(
        AttributeDef('occi.core.source', 'string', required=True,
                     description='Location of the source resource'),
        AttributeDef('occi.core.target', 'string', required=True,
                     description='Location of the target resource'),
        AttributeDef('occi.core.target.kind', 'string',
                     description='Kind of the target resource'),
    ),
)

#: the attributes rendered at the top level of an OCCI JSON entity
CORE_ATTRIBUTE_NAMES = frozenset([
    'occi.core.id', 'occi.core.title', 'occi.core.summary',
    'occi.core.source', 'occi.core.target', 'occi.core.target.kind',
])
