"""From a parsed request (``request.occi_body``) to validated data.

The parsers give a plain cstruct; here its categories are resolved against
``request.categories``, its attributes validated against the kind's and
mixins' definitions (:mod:`occi_pyramid.schemas`), and the result handed to
the OCCI session as :class:`~occi_pyramid.model.EntityData` (inline links
as :class:`~occi_pyramid.model.LinkData`): one function per purpose
(:func:`create_data`, :func:`update_data`, :func:`replace_data`,
:func:`action_parameters`), so nothing malformed reaches a backend.
"""
from .. import model
from ..locations import entity_location
from ..exceptions import (
    OCCIBadRequest, OCCIConflict, OCCIForbidden, OCCINotFound,
)
from ..schemas import (
    check_immutable, create_schema, definitions_for, deserialize,
    parameters_schema, update_schema,
)

#: contextualization spellings accepted on input (docs/specs.md #14) -> the
#: attribute and mixin they stand for
ALIASES = {
    'occi.compute.user_data': ('occi.compute.userdata', model.USER_DATA),
    'occi.compute.userdata': ('occi.compute.userdata', model.USER_DATA),
    'occi.crendentials.ssh.publickey': (
        'occi.credentials.ssh.publickey', model.SSH_KEY),
    'occi.credentials.ssh_key': (
        'occi.credentials.ssh.publickey', model.SSH_KEY),
    'occi.credentials.ssh.publickey': (
        'occi.credentials.ssh.publickey', model.SSH_KEY),
    'org.openstack.compute.user_data': (
        'org.openstack.compute.user_data', model.OPENSTACK_USER_DATA),
    'org.openstack.credentials.publickey.data': (
        'org.openstack.credentials.publickey.data',
        model.OPENSTACK_PUBLIC_KEY),
    'org.openstack.credentials.publickey.name': (
        'org.openstack.credentials.publickey.name',
        model.OPENSTACK_PUBLIC_KEY),
}


def resolve_categories(request, categories):
    """``(kinds, mixins, actions)`` named by parsed Category entries.

    :raises OCCIBadRequest: naming a category the server does not know
    """
    kinds, mixins, actions = [], [], []
    for entry in categories:
        type_id = (entry.get('scheme') or '') + (entry.get('term') or '')
        cls = entry.get('class')
        category = request.categories.get(type_id, cls)
        if category is None:
            raise OCCIBadRequest('Unknown %s %s.' % (cls or 'category',
                                                     type_id))
        bucket = {'kind': kinds, 'mixin': mixins, 'action': actions}[
            category.category_class]
        if category not in bucket:
            bucket.append(category)
    return kinds, mixins, actions


def _normalise_aliases(values, mixins):
    """Map every accepted contextualization spelling to its canonical
    attribute, adding the mixin that defines it when the client left it
    out; two different values for one attribute are a 409 (as ooi)."""
    result = {}
    for name, value in values.items():
        alias = ALIASES.get(name)
        if alias is None:
            result[name] = value
            continue
        canonical, mixin = alias
        if canonical in result and result[canonical] != value:
            raise OCCIConflict(
                'Both %s and another spelling of it were given with '
                'different values; send one.' % canonical)
        result[canonical] = value
        if not any(m.is_a(mixin) for m in mixins):
            mixins.append(mixin)
    return result


def create_data(request, kind):
    """Validate the request body as a new entity of ``kind`` (a POST to
    its collection), inline links included."""
    body = request.occi_body
    mixins, values = _categories_and_values(request, body, kind,
                                            creating=True)
    definitions = definitions_for([kind] + mixins)
    # NB: what the server will set: the defaults of the kind and of
    # the templates named (occi-core 5 copies a resource_tpl's
    # defaults into the new compute and sends them back)
    echoed = {name: definition.default
              for name, definition in definitions.items()
              if definition.default is not None}
    values = check_immutable(values, definitions, current=echoed,
                             ignore=('occi.core.id',))
    values = _own_template_sizes(values, mixins)
    attributes = deserialize(values, definitions, create_schema,
                             _where(kind, mixins))
    _check_link_ends(request, kind, attributes)
    links = inline_links(request, body.get('links') or (), created=(
        kind, (body.get('attributes') or {}).get('occi.core.id')))
    return model.EntityData(kind, mixins, attributes, links)


def update_data(request, current):
    """Validate the request body as a partial update of the entity
    ``current`` (a POST to it): the attributes and mixins it changes, the
    inline links it adds."""
    body = request.occi_body
    mixins, attributes = _changes(request, body, current)
    links = inline_links(request, body.get('links') or (), current)
    return model.EntityData(current.kind, mixins, attributes, links)


def replace_data(request, current):
    """Validate the request body as the new state of the entity
    ``current`` (a PUT to it)."""
    # NB: Link lines in a PUT are ignored (docs/decisions.md)
    mixins, attributes = _changes(request, request.occi_body, current)
    return model.EntityData(current.kind, mixins, attributes)


def _changes(request, body, current):
    """``(mixins, attributes)`` an update of ``current`` gives; values
    echoed from ``current`` for its immutable attributes are dropped."""
    kind = current.kind
    mixins, values = _categories_and_values(request, body, kind)
    definitions = definitions_for(
        [kind] + mixins + [m for m in current.mixins if m not in mixins])
    values = check_immutable(values, definitions,
                             current=current.attribute_values())
    return mixins, deserialize(values, definitions, update_schema,
                               _where(kind, mixins))


def _where(kind, mixins):
    return 'kind %s%s' % (kind.term, (' with mixins ' + ', '.join(
        m.term for m in mixins)) if mixins else '')


def _categories_and_values(request, body, kind, creating=False):
    """``(mixins, values)`` of an entity body for ``kind``: the mixins it
    names (those its attributes imply added), its attribute values with
    every accepted spelling made canonical.

    :param creating: the body creates the entity, so must name its kind
    :raises OCCIBadRequest: for an action category, several kinds, or
        another kind than ``kind``
    :raises OCCIForbidden: for a mixin that does not apply to ``kind``
    """
    kinds, mixins, actions = resolve_categories(
        request, body.get('categories', ()))
    if actions:
        raise OCCIBadRequest(
            'An action category (%s) was sent without ?action=; to trigger '
            'it POST to %s?action=%s.' % (actions[0].type_id,
                                          request.path, actions[0].term))
    if len(kinds) > 1:
        raise OCCIBadRequest('Only one kind may be given; got %s.' % ', '.join(
            k.type_id for k in kinds))
    if creating and not kinds:
        # NB: a create carries exactly one Kind (GFD.185 3.4.1, GFD.226
        # "kind" is required): a body with none, or none we read, builds
        # nothing
        raise OCCIBadRequest(
            'A create names its kind, and this request names none: send '
            'Category: %s; scheme="%s"; class="kind" (in JSON, "kind": '
            '"%s").' % (kind.term, kind.scheme, kind.type_id))
    if kinds and kinds[0] != kind:
        raise OCCIBadRequest('The kind %s cannot be %s at %s, which holds '
                             '%s entities.' % (
                                 kinds[0].type_id,
                                 'created' if creating else 'used',
                                 request.path, kind.term))
    values = _normalise_aliases(dict(body.get('attributes') or {}), mixins)
    for mixin in mixins:
        if not mixin.applies_to(kind):
            raise OCCIForbidden('The mixin %s does not apply to %s.' % (
                mixin.type_id, kind.type_id))
    return mixins, values


def _own_template_sizes(values, mixins):
    """A create naming a resource template of the user's own (a user
    mixin related to resource_tpl) asks for its sizes, unless it names a
    cloud template or sizes itself (docs/mixins.md)."""
    own = [m for m in mixins if getattr(m, 'owner', None) is not None
           and m.is_a(model.RESOURCE_TPL) and m.attributes]
    if not own or any(m.is_a(model.RESOURCE_TPL) and m is not
                      model.RESOURCE_TPL and m.owner is None
                      for m in mixins):
        return values
    if any(name in values for name in own[0].attributes):
        return values
    values = dict(values)
    values.update((name, definition.default)
                  for name, definition in own[0].attributes.items())
    return values


#: the kind of link made to each kind of target
LINK_KINDS = {model.NETWORK: model.NETWORKINTERFACE,
              model.STORAGE: model.STORAGELINK}

#: the kinds of the source and the target of each kind of link
LINK_ENDS = {link: (model.COMPUTE, target)
             for target, link in LINK_KINDS.items()}

#: link attributes that name its ends (checked apart from the others)
_ENDS = ('occi.core.source', 'occi.core.source.kind', 'occi.core.target',
         'occi.core.target.kind', 'occi.core.id')


def inline_links(request, links, current=None, created=None):
    """Validate the inline links (parsed) of a compute create
    (``current`` None) or partial update with the schema of a standalone
    link create: the target a network or storage of ours, the categories
    those of the link's kind, the attributes known, the source (if given)
    the compute itself.

    :param created: ``(kind, occi.core.id)`` of a create's body: rOCCI 4
        gives the new compute an id of its own and makes the inline
        links start at ``/compute/<that id>``, which can only mean the
        compute being created
    :returns: a :class:`~occi_pyramid.model.LinkData` for each
    """
    result = []
    for index, link in enumerate(links):
        where = 'inline link %d' % (index + 1)
        target = link.get('target')
        found = entity_location(request, target) if target else None
        if found is None or found[0] not in LINK_KINDS:
            raise OCCIBadRequest(
                'The link target %s is not a network or storage of this '
                'server.' % target)
        kind = LINK_KINDS[found[0]]
        mixins = []
        for type_id in link.get('categories') or ():
            category = request.categories.get(type_id)
            if isinstance(category, model.Kind) and category == kind:
                continue
            if isinstance(category, model.Kind):
                raise OCCIBadRequest('A link to %s must be a %s, not %s.' % (
                    target, kind.term, type_id))
            if not isinstance(category, model.Mixin):
                raise OCCIBadRequest('Unknown category %s in %s.'
                                     % (type_id, where))
            if not category.applies_to(kind):
                raise OCCIForbidden('The mixin %s does not apply to %s.' % (
                    type_id, kind.type_id))
            mixins.append(category)
        values = dict(link.get('attributes') or {})
        source = values.get('occi.core.source')
        if source:
            _check_inline_source(request, source, current, where, created)
        values = {k: v for k, v in values.items() if k not in _ENDS}
        definitions = {k: v for k, v in definitions_for(
            [kind] + mixins).items() if k not in _ENDS}
        attributes = deserialize(
            check_immutable(values, definitions), definitions,
            create_schema, '%s (%s)' % (where, kind.term))
        result.append(model.LinkData(kind, found[0], found[1],
                                     tuple(mixins), attributes))
    return result


def _check_link_ends(request, kind, attributes):
    """400 unless a link create names a compute of this server as its
    source and, as its target, a resource of this server of the kind the
    link's kind links to (the backend reads the ends again: it need not
    check them)."""
    ends = LINK_ENDS.get(kind)
    if ends is None:
        return
    roles = ('source', 'target')
    for role in roles:
        if not attributes.get('occi.core.' + role):
            raise OCCIBadRequest('A %s needs occi.core.%s.' % (kind.term,
                                                                role))
    for role, end_kind in zip(roles, ends):
        location = attributes['occi.core.' + role]
        found = entity_location(request, location)
        # NB: an ipreservation is a network (its kind's parent)
        if found is None or not found[0].is_a(end_kind):
            raise OCCIBadRequest('The link %s %s is not a %s of this '
                                 'server.' % (role, location, end_kind.term))


def _check_inline_source(request, source, current, where, created=None):
    """400 unless ``source`` is the compute the links are made on (in a
    create: the location built from the ``occi.core.id`` the body
    gives)."""
    found = entity_location(request, source)
    if current is not None and found == (current.kind, current.id):
        return
    if current is None and created is not None and created[1] and (
            found == (created[0], str(created[1]))):
        return
    raise OCCIBadRequest(
        'The source %s of %s is not %s: an inline link starts at the '
        'compute it is given with.' % (
            source, where, current.location if current is not None
            else 'the compute being created'))


def action_parameters(request, action):
    """Validate an action invocation's body for ``action``.

    The body may name the action's Category (it must be this one) and give
    its parameters as attributes; defaults fill what is left out.
    """
    body = request.occi_body
    for entry in body.get('categories', ()):
        type_id = (entry.get('scheme') or '') + (entry.get('term') or '')
        if type_id != action.type_id:
            raise OCCIBadRequest(
                'The body names %s but the query asks for action=%s (%s).'
                % (type_id, action.term, action.type_id))
    values = dict(body.get('attributes') or {})
    params = deserialize(values, action.attributes, parameters_schema,
                         'action %s' % action.term)
    for name, definition in action.attributes.items():
        if name not in params and definition.default is not None:
            params[name] = definition.default
    return params


def locations_to_entities(request, locations):
    """``[(kind, id)]`` of entity locations (absolute URLs or paths).

    :raises OCCIBadRequest: for a location that is no entity of ours
    """
    result = []
    for location in locations:
        found = entity_location(request, location)
        if found is None:
            raise OCCIBadRequest('%s is not the location of an entity.'
                                 % location)
        result.append(found)
    return result


def get_entity(request, kind, id):
    """The entity, or 404 naming it."""
    try:
        return request.occi.get(kind, id)
    except OCCINotFound:
        raise OCCINotFound('There is no %s at %s%s.' % (
            kind.term, kind.location, id))
