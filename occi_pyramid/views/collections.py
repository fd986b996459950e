"""Collections: Kind collections, Mixin collections and unbound paths.

GET lists (with Category and attribute filters), POST to a Kind
collection creates, ``POST ?action=`` triggers an action on every member,
DELETE deletes every member of a Kind collection or path.
"""
import abc

from pyramid.config import not_
from pyramid.view import view_config, view_defaults

from .. import model
from ..exceptions import (
    OCCIBadRequest, OCCIError, OCCIRequestTooLarge,
)
from ..interfaces import (
    IKindCollection, IMixinCollection, IPathCollection, IRoot,
)
from ..model import ActionResult, Collection
from . import respond
from .errors import unknown_action
from .requests import action_parameters, create_data, resolve_categories


def create(request, kind):
    """Create an entity of ``kind`` from the body: 201, its URL in
    ``Location``, and the collection of what was created (a location list
    in text, ``{"resources": [...]}`` in JSON); 200 with the same when it
    was there already (a link created twice)."""
    entity = request.occi.create(create_data(request, kind))
    response = request.response
    response.status_int = 200 if entity.existed else 201
    response.location = request.application_url + entity.location
    return Collection([entity])


def filtered(request, entities):
    """Apply the request's Category and attribute filters (GFD.185):
    keep entities associated with every category named and whose
    attributes equal every value given (compared as text)."""
    body = request.occi_body
    kinds, mixins, actions = resolve_categories(
        request, body.get('categories', ()))
    if actions:
        raise OCCIBadRequest('An action category cannot filter a collection.')
    wanted = dict(body.get('attributes') or {})
    result = []
    for entity in entities:
        if not all(entity.has_category(c) for c in kinds + mixins):
            continue
        values = entity.attribute_values()
        if all(name in values and _text(values[name]) == _text(value)
               for name, value in wanted.items()):
            result.append(entity)
    return result


def paginated(request, entities):
    """OCCI 1.2 pagination: ``?page=<n>&number=<items>``.

    Pages start at 1 (1.2 leaves the base open; ``page=0`` is refused
    rather than silently shifted); ``number`` defaults to
    ``occi.max_page_size`` and may not exceed it (413); a page past the
    end is empty (200).
    """
    if 'page' not in request.GET and 'number' not in request.GET:
        return entities
    limit = request.registry.settings['occi.max_page_size']
    page = _positive(request, 'page', 1)
    number = _positive(request, 'number', limit)
    if number > limit:
        raise OCCIRequestTooLarge('number=%d is more than the %d entities a '
                                  'page may hold.' % (number, limit))
    return entities[(page - 1) * number:page * number]


def _positive(request, name, default):
    value = request.GET.get(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise OCCIBadRequest('%s must be a whole number from 1; got %r '
                             '(pages start at 1).' % (name, value))
    return int(value)


def _text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def run_on_all(request, entities, action_for):
    """Run an action on every entity; failures are reported per member
    (the others still run: Synnefo has no transactions to roll back).

    When every member failed the answer is no success: the members'
    status when they all share one, else 409 (docs/decisions.md)."""
    failures, codes = {}, set()
    for entity in entities:
        try:
            action_for(entity)
        except OCCIError as exc:
            failures[entity.location] = exc.message
            codes.add(exc.code)
    if entities and len(failures) == len(entities):
        raise OCCIError(
            'The action failed on every member: %s' % '; '.join(
                '%s: %s' % item for item in failures.items()),
            code=codes.pop() if len(codes) == 1 else 409)
    return ActionResult(failures=failures)


def kinds_below(request, path):
    """The concrete Kinds located at or below ``path``."""
    return [
        c for c in request.categories.static
        if isinstance(c, model.Kind) and c.location
        and c.location.startswith(path)
        and c not in (model.RESOURCE, model.LINK)
    ]


class _CollectionViews(abc.ABC):
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @abc.abstractmethod
    def members(self):
        """The entities of this collection, as the caller sees them."""

    def list(self):
        return Collection(paginated(self.request,
                                    filtered(self.request, self.members())))

    def delete_all(self):
        # NB: the members as a delete needs them, not as rendered
        occi = self.request.occi
        failures = occi.delete_many([member for kind in self.kinds()
                                     for member in occi.members(kind)])
        return ActionResult(failures=failures) if failures else None


#: the renderings in which a collection is only its members' locations
LOCATION_RENDERINGS = ('text/plain', 'text/occi', 'text/uri-list')


def locations_only(request):
    """Whether the answer holds only locations: a rendering that prints
    nothing else and no filter that needs the members' attributes."""
    body = request.occi_body
    return request.occi_format in LOCATION_RENDERINGS and not (
        body.get('categories') or body.get('attributes'))


@view_defaults(context=IKindCollection, renderer='occi',
               permission='occi')
class KindCollectionViews(_CollectionViews):
    def kinds(self):
        return [self.context.kind]

    def members(self):
        return self.request.occi.list(self.context.kind)

    # NB: one view for every method and action (views/__init__.py)
    @view_config(request_method=('GET', 'POST', 'DELETE'))
    def answer(self):
        return respond(self, {'GET': self.get, 'HEAD': self.get,
                              'DELETE': self.delete},
                       self.create, self.invoke_all)

    def get(self):
        if locations_only(self.request):
            # the backend's cheapest listing (Synnefo: no detail)
            return Collection(locations=paginated(
                self.request, self.request.occi.locations(self.context.kind)))
        return self.list()

    def create(self):
        kind = self.context.kind
        if kind in (model.RESOURCE, model.LINK):
            raise OCCIBadRequest(
                '%s lists every %s; create at the location of a concrete '
                'kind instead.' % (kind.location, kind.term))
        return create(self.request, kind)

    def delete(self):
        return self.delete_all()

    def invoke_all(self):
        term = self.request.GET['action']
        action = self.context.kind.action(term)
        if action is None:
            raise unknown_action(self.request, term)
        params = action_parameters(self.request, action)
        occi = self.request.occi
        return run_on_all(
            self.request, self.members(),
            lambda entity: occi.run_action(entity, action, params))


@view_defaults(context=IMixinCollection, renderer='occi',
               permission='occi')
class MixinCollectionViews(_CollectionViews):
    def members(self):
        mixin = self.context.mixin
        entities = []
        for kind in kinds_below(self.request, '/'):
            if mixin.applies_to(kind):
                entities.extend(
                    e for e in self.request.occi.list(kind)
                    if e.has_category(mixin))
        return entities

    @view_config(request_method='GET')
    def get(self):
        return self.list()


@view_defaults(context=IPathCollection, renderer='occi',
               permission='occi')
class PathCollectionViews(_CollectionViews):
    """An unbound path: the entities located below it (GFD.185; the
    decision is in docs/decisions.md)."""

    def kinds(self):
        return kinds_below(self.request, self.context.path)

    def members(self):
        entities = []
        for kind in self.kinds():
            entities.extend(self.request.occi.list(kind))
        return entities

    @view_config(request_method='GET')
    def get(self):
        return self.list()

    @view_config(request_method='DELETE')
    def delete(self):
        return self.delete_all()

    @view_config(context=IRoot, request_method='POST',
                 request_param=not_('action'))
    def create(self):
        """``POST /``: create at the location of the kind the body names
        (1.1-era clients, such as the OCCI-WG test script, do this)."""
        kinds = resolve_categories(
            self.request, self.request.occi_body.get('categories', ()))[0]
        concrete = [k for k in kinds if k.location
                    and k not in (model.RESOURCE, model.LINK)]
        if len(concrete) != 1:
            raise OCCIBadRequest(
                'POST to / creates an entity of the one kind the request '
                'names (e.g. Category: compute; scheme="http://schemas.ogf.'
                'org/occi/infrastructure#"; class="kind"); it named %s.' % (
                    ', '.join(k.type_id for k in kinds) or 'none'))
        return create(self.request, concrete[0])
