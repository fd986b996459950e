"""User mixins: define them at the query interface, (dis)associate
entities at their collections (GFD.183 Mixin, GFD.185).

* ``POST /-/`` adds one or more mixin definitions of the caller, all or
  none; ``DELETE /-/`` removes them (and their associations).
* ``POST <mixin location>`` associates entities, ``PUT`` replaces the
  whole set, ``DELETE`` dissociates the listed ones (none listed: all);
  each answers the collection.  ``POST <mixin location>?action=<term>``
  runs an action on every member.

Definitions live in the store (:mod:`occi_pyramid.store`), one namespace
per cloud user.  Template mixin collections have only GET (405 here).
"""
import re

from pyramid.view import view_config, view_defaults

from .. import model
from ..exceptions import (
    InvalidAction, OCCIBadRequest, OCCIConflict, OCCIForbidden, OCCINotFound,
)
from ..interfaces import (
    IAssociableMixinCollection, IQueryInterface, IUserMixinCollection,
)
from ..locations import request_path
from ..model import CategoryCollection, Collection
from ..wrappers.usermixins import SIZES, size_definitions
from . import respond
from .collections import MixinCollectionViews, run_on_all
from .requests import action_parameters, locations_to_entities

#: schemes a user may not define mixins in (OGF's, GFD.183)
RESERVED_SCHEME = 'http://schemas.ogf.org/occi/'
#: one segment of a user mixin location
SEGMENT_RE = re.compile(r'^[A-Za-z0-9._~-]+$')
#: first segments that are not collections of the namespace
RESERVED_SEGMENTS = ('-', '.well-known')
#: the template families: a user mixin cannot pose as a template
TEMPLATES = (model.OS_TPL, model.RESOURCE_TPL)


def _type_id(entry):
    return (entry.get('scheme') or '') + (entry.get('term') or '')


def mixin_location(request, location):
    """The path (relative to the application root) of a location given by
    a client: a path (``/tags/vip/`` or ``tags/vip/``) or an absolute URL
    on this server.

    :raises OCCIBadRequest: for anything else
    """
    if not location:
        raise OCCIBadRequest('A user mixin needs a location (a path ending '
                             'in "/", e.g. location="/tags/vip/").')
    found = request_path(request, location)
    if found is None:
        raise OCCIBadRequest('The location %s is not on this server (%s).'
                             % (location, request.host))
    path, rest = found
    if rest:
        raise OCCIBadRequest('The location %s has a query or fragment.'
                             % location)
    if not path.startswith('/'):
        path = '/' + path
    segments = path[1:-1].split('/')
    if not path.endswith('/') or path == '/' or not all(
            SEGMENT_RE.match(s) and s not in ('.', '..') for s in segments):
        raise OCCIBadRequest(
            'The location %r is not a collection path: use segments of '
            'letters, digits, ".", "_", "~" or "-", ending in "/".'
            % location)
    if segments[0] in RESERVED_SEGMENTS:
        raise OCCIBadRequest('The location %s is reserved for the query '
                             'interface.' % location)
    return path


def _clash(path, category):
    """True when ``path`` is or contains the server ``category``'s
    location, or lies below a Kind's (whose children are entity ids) or
    below a mixin that keeps the places below it for the server's own
    (``reserved_below``: Synnefo's projects); below another mixin's
    (``/mixin/resource_tpl/extra_large/``) it is free."""
    if category.location.startswith(path):
        return True
    return path.startswith(category.location) and (
        category.category_class == 'kind'
        or getattr(category, 'reserved_below', False))


class _Definitions:
    """Validates the mixin definitions of one ``POST /-/``."""

    def __init__(self, request):
        self.request = request
        self.categories = request.categories.all
        self.mine = request.occi.user_mixins()
        self.new = {}

    def mixin(self, entry):
        """The new :class:`model.Mixin` a definition makes, checked."""
        where = 'The mixin %s' % _type_id(entry)
        if entry.get('class') != 'mixin':
            raise OCCIBadRequest(
                '%s must be sent as class="mixin" (only mixins can be '
                'added).' % where)
        type_id = _type_id(entry)
        known = self.categories.get(type_id)
        if known is not None and getattr(known, 'owner', None) is None:
            raise OCCIConflict('%s is a category of the server.' % type_id)
        if type_id in self.mine or type_id in self.new:
            raise OCCIConflict('You have a mixin %s already.' % type_id)
        if entry['scheme'].startswith(RESERVED_SCHEME):
            raise OCCIBadRequest(
                '%s uses a scheme reserved for OGF; pick your own, e.g. '
                'http://example.org/tags#.' % where)
        for category in self.categories:
            if getattr(category, 'reserved_scheme', None) == entry['scheme']:
                raise OCCIConflict(
                    '%s uses the scheme of the server\'s %s mixins; pick '
                    'your own, e.g. http://example.org/tags#.'
                    % (where, category.type_id))
        depends = list(self.depends(type_id, entry.get('rel') or ()))
        defaults = self.defaults(where, entry, depends)
        path = mixin_location(self.request, entry.get('location'))
        self.check_location(type_id, path)
        mixin = model.Mixin(
            entry['scheme'], entry['term'], entry.get('title'),
            attributes=size_definitions(defaults), location=path,
            depends=depends,
            applies=self.applies(type_id, entry.get('applies') or ()))
        self.new[type_id] = mixin
        return mixin

    def check_location(self, type_id, path):
        for category in self.categories:
            location = getattr(category, 'location', None)
            if not location or category.category_class == 'action':
                continue
            if getattr(category, 'owner', None) is None:
                if _clash(path, category):
                    raise OCCIConflict(
                        'The location %s of %s clashes with %s of the %s %s.'
                        % (path, type_id, location,
                           category.category_class, category.type_id))
            elif location == path:
                raise OCCIConflict('Your mixin %s is at %s already.'
                                   % (category.type_id, path))
        for other in self.new.values():
            if other.location == path:
                raise OCCIConflict('%s and %s share the location %s.'
                                   % (other.type_id, type_id, path))

    def depends(self, type_id, ids):
        for depended in ids:
            if depended in self.new:
                yield self.new[depended]
                continue
            mixin = self.categories.get(depended, 'mixin')
            if mixin is None:
                raise OCCIBadRequest('%s depends on %s, which is no mixin '
                                     'you can use.' % (type_id, depended))
            # NB: resource_tpl itself makes a resource template of the
            # user's own (docs/mixins.md); a cloud template, or os_tpl, it
            # would pose as
            if mixin is not model.RESOURCE_TPL and any(
                    mixin.is_a(t) for t in TEMPLATES):
                raise OCCIBadRequest(
                    '%s cannot depend on the template %s.'
                    % (type_id, depended))
            yield mixin

    def defaults(self, where, entry, depends):
        """The attribute defaults of a definition: only a user-defined
        resource template (``rel`` resource_tpl) has any, and only the
        sizes a create naming it asks for (docs/mixins.md)."""
        if entry.get('actions'):
            raise OCCIBadRequest('%s defines actions; user mixins have '
                                 'none.' % where)
        names = {name.split('{')[0] for name in entry.get('attributes')
                 or ()}
        if not names:
            return ()
        if model.RESOURCE_TPL.type_id not in [m.type_id for m in depends]:
            raise OCCIBadRequest(
                '%s defines attributes; a user mixin is a tag, or a '
                'resource template of your own (rel %s) with defaults for '
                '%s.' % (where, model.RESOURCE_TPL.type_id,
                         ' and '.join(sorted(SIZES))))
        values = entry.get('defaults') or {}
        result = {}
        for name in sorted(names):
            value = values.get(name)
            if name not in SIZES or value is None:
                raise OCCIBadRequest(
                    '%s: a resource template of your own gives defaults '
                    'for %s only (in OCCI JSON, "default"); not %s.' % (
                        where, ' and '.join(sorted(SIZES)), name))
            good = isinstance(value, (int, float)) and not isinstance(
                value, bool) and 0 < value < 1e6 and (
                SIZES[name] != 'integer' or float(value).is_integer())
            if not good:
                raise OCCIBadRequest('%s: the default of %s must be a '
                                     'positive number; got %r.' % (
                                         where, name, value))
            result[name] = int(value) if SIZES[name] == 'integer' else (
                float(value))
        return tuple(sorted(result.items()))

    def applies(self, type_id, ids):
        for kind_id in ids:
            kind = self.request.categories.static.get(kind_id, 'kind')
            if kind is None:
                raise OCCIBadRequest('%s applies to %s, which is no kind.'
                                     % (type_id, kind_id))
            yield kind


@view_defaults(context=IQueryInterface, renderer='occi',
               permission='occi')
class UserMixinDefinitionViews:
    """``POST /-/`` and ``DELETE /-/``."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def entries(self):
        entries = self.request.occi_body.get('categories') or []
        if not entries:
            raise OCCIBadRequest('Send at least one mixin Category.')
        return entries

    @view_config(request_method='POST')
    def add(self):
        definitions = _Definitions(self.request)
        mixins = [definitions.mixin(entry) for entry in self.entries()]
        return CategoryCollection(self.request.occi.define(mixins))

    @view_config(request_method='DELETE')
    def remove(self):
        mine = self.request.occi.user_mixins()
        doomed = []
        for entry in self.entries():
            type_id = _type_id(entry)
            if type_id in mine:
                doomed.append(type_id)
            elif self.request.categories.get(
                    type_id, entry.get('class')) is not None:
                raise OCCIForbidden('%s is defined by the server; it cannot '
                                    'be removed.' % type_id)
            else:
                raise OCCINotFound('You have no mixin %s.' % type_id)
        for mixin in mine.values():
            if mixin.type_id in doomed:
                continue
            needed = [d.type_id for d in mixin.depends if d.type_id in doomed]
            if needed:
                raise OCCIConflict('%s depends on %s; remove it too.'
                                   % (mixin.type_id, needed[0]))
        self.request.occi.undefine(doomed)
        return None


@view_defaults(context=IUserMixinCollection, renderer='occi',
               permission='occi')
class UserMixinCollectionViews:
    """Association at a user mixin's collection (GET is the generic
    :class:`~.collections.MixinCollectionViews` one)."""

    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.mixin = context.mixin
        self.generic = MixinCollectionViews(context, request)

    def collection(self):
        return Collection(self.generic.members())

    def locations(self):
        """The entity locations of the body: X-OCCI-Location lines, a URI
        list, JSON location arrays or entity objects with ``location`` or
        ``kind`` and ``id`` (docs/specs.md, ambiguity 20)."""
        body = self.request.occi_body
        locations = list(body.get('locations') or [])
        for entity in body.get('entities') or []:
            if entity.get('locations'):
                locations.extend(entity['locations'])
                continue
            kinds = [c for c in entity.get('categories') or []
                     if c.get('class') == 'kind']
            id = (entity.get('attributes') or {}).get('occi.core.id')
            kind = self.request.categories.get(
                _type_id(kinds[0]), 'kind') if kinds else None
            if kind is None or not kind.location or id is None:
                raise OCCIBadRequest('An entity in the body has neither a '
                                     'location nor a kind and an id.')
            locations.append(kind.location + str(id))
        return locations

    def entities(self):
        """The entities named by the body, every one checked before any
        change: it exists and is the caller's (404 otherwise), and the
        mixin applies to its kind (403 otherwise, as on create)."""
        entities = []
        locations = self.locations()
        for location, (kind, id) in zip(
                locations, locations_to_entities(self.request, locations)):
            try:
                entity = self.request.occi.get(kind, id)
            except OCCINotFound:
                raise OCCINotFound('There is no entity at %s.' % location)
            if not self.mixin.applies_to(kind):
                raise OCCIForbidden('The mixin %s does not apply to %s (%s).'
                                    % (self.mixin.type_id, location,
                                       kind.type_id))
            entities.append(entity)
        return entities

    def change(self, replace):
        entities = self.entities()
        self.request.occi.associate(
            self.mixin.type_id, [e.location for e in entities],
            replace=replace)
        return self.collection()

    # NB: one view for every method and action (views/__init__.py)
    @view_config(request_method=('POST', 'PUT', 'DELETE'))
    def answer(self):
        return respond(self, {'PUT': self.replace,
                              'DELETE': self.dissociate},
                       self.associate, self.invoke_all)

    def associate(self):
        return self.change(replace=False)

    def replace(self):
        return self.change(replace=True)

    def dissociate(self):
        locations = self.locations()
        paths = None
        if locations:
            paths = [kind.location + id for kind, id in
                     locations_to_entities(self.request, locations)]
        self.request.occi.dissociate(self.mixin.type_id, paths)
        return self.collection()

    def invoke_all(self):
        """Every member must define the action through its kind (400
        before anything runs); failures are reported per member."""
        term = self.request.GET['action']
        members = self.generic.members()
        actions = {}
        for entity in members:
            action = entity.kind.action(term)
            if action is None:
                raise InvalidAction(
                    'The action %r is not defined for %s, a member of %s.'
                    % (term, entity.location, self.context.path))
            actions[entity.location] = action
        if not members and not any(k.action(term) for k in model.KINDS):
            raise InvalidAction('The action %r is not defined for any kind.'
                                % term)
        params = {
            action: action_parameters(self.request, action)
            for action in set(actions.values())
        }
        occi = self.request.occi
        return run_on_all(
            self.request, members,
            lambda entity: occi.run_action(
                entity, actions[entity.location],
                params[actions[entity.location]]))


@view_defaults(context=IAssociableMixinCollection, renderer='occi',
               permission='occi')
class AssociableMixinCollectionViews:
    """``POST`` at the collection of an ``associable`` provider mixin:
    each entity named is updated with that mixin, as a partial update
    naming it would (Synnefo's projects: the entities move there;
    docs/decisions.md).  ``?action=`` runs an action on every member."""

    def __init__(self, context, request):
        self.request = request
        self.mixin = context.mixin
        # NB: the body is read and checked as at a user mixin's collection
        self.body = UserMixinCollectionViews(context, request)

    # NB: one view for every method and action (views/__init__.py)
    @view_config(request_method='POST')
    def answer(self):
        return respond(self, {}, self.associate, self.body.invoke_all)

    def associate(self):
        occi = self.request.occi
        for entity in self.body.entities():
            occi.update(entity, model.EntityData(entity.kind, [self.mixin]))
        return self.body.collection()
