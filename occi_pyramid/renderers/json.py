"""``application/occi+json``: the OCCI 1.2 JSON rendering (GFD.226).

Choices:

* core attributes (``id``, ``title``, ``summary``, ``source``,
  ``target``) are top-level members and are not repeated in
  ``attributes`` (docs/specs.md ambiguity 11, ooi);
* every location string is an absolute URL (ooi), entities carry their
  own ``location`` member so a client can find them;
* an attribute ``pattern`` is a JSON-Schema object: ``{"type": "string",
  "enum": [...]}`` for enums, ``{"type": "string", "pattern": "<ERE>"}``
  for restricted strings, absent otherwise;
* a collection action's failures go as ``{"failures": {url: message}}``.
"""
import json
from functools import singledispatchmethod

from ..model.core import (
    CORE_ATTRIBUTE_NAMES, Action, ActionResult, CategoryCollection,
    Collection, Kind, Link, Mixin, Resource,
)
from .base import Rendered, Rendering, cannot_render, carried_by
from .headers import location_of


def attribute_description(definition):
    """The JSON attribute description of an :class:`AttributeDef`."""
    description = {
        'mutable': definition.mutable,
        'required': definition.required,
        'type': definition.json_type,
    }
    pattern = {}
    if definition.choices:
        pattern = {'type': 'string', 'enum': list(definition.choices)}
    if definition.pattern:
        pattern = dict(pattern, type='string', pattern=definition.pattern)
    if pattern:
        description['pattern'] = pattern
    if definition.default is not None:
        description['default'] = definition.default
    if definition.description:
        description['description'] = definition.description
    return description


def _ids(categories):
    return [c.type_id for c in categories]


class OCCIJSONRendering(Rendering):
    """OCCI JSON documents, 2-space indented, members in model order
    (the order of attribute definitions is the model's, as in text)."""

    media_types = ('application/occi+json',)

    def dump(self, document):
        # NB: no indent: an indent makes json use its pure-Python encoder,
        # five times slower on a collection (bench/bench_requests.py);
        # pipe through `python -m json.tool` or jq to read it
        return self.rendered(
            json.dumps(document, ensure_ascii=False, default=str) + '\n')

    def render(self, obj):
        """Render ``obj`` as a JSON document.

        :raises TypeError: for a type without a JSON rendering
        """
        return self.dump(self.document(obj))

    def render_error(self, code, message):
        return Rendered(
            json.dumps({'code': code, 'message': message}) + '\n',
            self.media_type,
        )

    # -- documents ---------------------------------------------------------

    @singledispatchmethod
    def document(self, obj):
        """The JSON-able document for ``obj``."""
        raise cannot_render(self, obj)

    @document.register
    def _(self, obj: type(None)):
        return {}

    @document.register
    def _(self, resource: Resource):
        document = self._entity(resource)
        document['links'] = [self.document(link) for link in resource.links]
        return document

    @document.register
    def _(self, link: Link):
        document = self._entity(link)
        document['source'] = self._end(link.source, link.source_kind)
        document['target'] = self._end(link.target, link.target_kind)
        return document

    @document.register
    def _(self, kind: Kind):
        document = self._typed(kind)
        if kind.parent is not None:
            document['parent'] = kind.parent.type_id
        return document

    @document.register
    def _(self, mixin: Mixin):
        document = self._typed(mixin)
        document['depends'] = _ids(mixin.depends)
        document['applies'] = _ids(mixin.applies)
        return document

    @document.register
    def _(self, action: Action):
        document = self._category(action)
        document['attributes'] = self._definitions(action.attributes)
        return document

    @document.register
    def _(self, categories: CategoryCollection):
        return {
            'kinds': [self.document(c) for c in categories.kinds],
            'mixins': [self.document(c) for c in categories.mixins],
            'actions': [self.document(c) for c in categories.actions],
        }

    @document.register
    def _(self, collection: Collection):
        """Full entities; members known only by location go into
        ``resources`` as ``{"location": url}`` (ooi's minimal objects)."""
        resources = [self.document(r) for r in collection.resources]
        resources.extend(
            {'location': self.urls.url(location)}
            for location in collection.locations[len(collection.entities):]
        )
        return {
            'resources': resources,
            'links': [self.document(link) for link in collection.links],
        }

    @document.register(list)
    @document.register(tuple)
    def _(self, locations):
        """A bare location list: a JSON array of URLs (rOCCI, §6 #28)."""
        return [self.urls.url(location_of(item)) for item in locations]

    @document.register
    def _(self, result: ActionResult):
        document = self.document(carried_by(result))
        if result.failures:
            document['failures'] = {
                self.urls.url(location): message
                for location, message in result.failures.items()
            }
        return document

    # -- parts -------------------------------------------------------------

    def _entity(self, entity):
        document = {'kind': entity.kind.type_id, 'id': entity.id}
        if entity.title is not None:
            document['title'] = entity.title
        if getattr(entity, 'summary', None) is not None:
            document['summary'] = entity.summary
        if entity.location:
            document['location'] = self.urls.url(entity.location)
        document['mixins'] = _ids(entity.mixins)
        document['attributes'] = {
            name: value for name, value in entity.attributes.items()
            if value is not None and name not in CORE_ATTRIBUTE_NAMES
        }
        document['actions'] = _ids(entity.actions)
        return document

    def _end(self, location, kind):
        end = {'location': self.urls.url(location)}
        if kind is not None:
            end['kind'] = kind.type_id
        return end

    @staticmethod
    def _category(category):
        document = {'term': category.term, 'scheme': category.scheme}
        if category.title:
            document['title'] = category.title
        return document

    def _typed(self, category):
        """What Kinds and Mixins share: attributes (inherited ones too),
        actions and location."""
        document = self._category(category)
        document['attributes'] = self._definitions(
            category.all_attributes())
        document['actions'] = _ids(category.actions)
        if category.location:
            # NB: a path, as in the text renderings and the 1.2 JSON
            # examples (docs/specs.md ambiguity 2: pOCCI joins it to the base URL)
            document['location'] = self.urls.path(category.location)
        return document

    def _definitions(self, definitions):
        return {
            name: attribute_description(definition)
            for name, definition in definitions.items()
        }
