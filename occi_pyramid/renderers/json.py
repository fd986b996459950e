"""``application/occi+json``: the OCCI 1.2 JSON rendering (GFD.226).

Every answer is one of GFD.226's schema definitions and satisfies
rOCCI-core 5's stricter schema too (docs/decisions.md):

* core attributes (``id``, ``title``, ``summary``, ``source``,
  ``target``) are top-level members, as GFD.226 puts them, and are
  repeated in ``attributes`` as ``occi.core.*`` (a link's ends as their
  URLs): rOCCI-core 5 reads an entity from ``attributes`` alone, and
  both schemas allow any attribute name; ``attributes`` is always
  present (rOCCI-core 5 requires it);
* an entity carries no ``location`` member (neither schema allows one):
  its URL is its kind's location and its ``id``, as the ``Location``
  header of a create says; link ends are ``{"location", "kind"}`` with
  absolute URLs;
* no empty arrays: ``mixins``, ``actions``, ``links``, ``depends``,
  ``applies``, ``resources``, ``kinds``... are left out when empty
  (rOCCI-core 5 requires at least one item); an empty collection is
  ``{}``;
* attribute descriptions carry ``type``, ``mutable`` and ``required``
  always, ``default`` and ``description`` when known, and no ``pattern``
  (GFD.226 wants a JSON-Schema object, rOCCI-core 5 a regex string: no
  value satisfies both);
* every Kind has a ``location``; ``core#entity``'s is ``/``, the unbound
  root that lists and deletes every entity;
* a create answers the collection of what it created (``{"resources":
  [...]}`` or ``{"links": [...]}``), a category answer a category
  collection (``{"mixins": [...]}``);
* a collection action's failures go in ``X-OCCI-Error`` headers, as in
  text/occi (neither schema has a member for them);
* errors are ``{"code", "message"}`` (ooi): no schema defines an error.
"""
import json

from ..model.core import (
    CORE_ATTRIBUTE_NAMES, Action, ActionResult, CategoryCollection,
    Collection, Entity, Kind, Link, Mixin, Resource,
)
from .base import (
    Rendered, Rendering, cannot_render, carried_by, dispatchmethod,
)
from .headers import HeaderPairs, location_of
from .text import header_safe


def attribute_description(definition):
    """The JSON attribute description of an :class:`AttributeDef` (no
    ``pattern``: see the module's notes)."""
    description = {
        'mutable': definition.mutable,
        'required': definition.required,
        'type': definition.json_type,
    }
    if definition.default is not None:
        description['default'] = definition.default
    if definition.description:
        description['description'] = definition.description
    return description


def _ids(categories):
    return [c.type_id for c in categories]


def _put(document, member, items):
    """``document[member] = items`` unless ``items`` is empty (rOCCI-core 5
    allows no empty array)."""
    items = list(items)
    if items:
        document[member] = items
    return document


#: ``json.dumps(document, ensure_ascii=False, default=str)``, its
#: encoder made once (dumps builds one per call for these options)
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)

#: the location rendered for core#entity, which binds none: the root,
#: where every entity is listed (GET) and deleted (DELETE)
ENTITY_LOCATION = '/'


class OCCIJSONRendering(Rendering):
    """OCCI JSON documents, 2-space indented, members in model order
    (the order of attribute definitions is the model's, as in text)."""

    media_types = ('application/occi+json',)

    def dump(self, document):
        # NB: no indent: an indent makes json use its pure-Python encoder,
        # five times slower on a collection (bench/bench_requests.py);
        # pipe through `python -m json.tool` or jq to read it
        return self.rendered(_ENCODER.encode(document) + '\n')

    def render(self, obj):
        """Render ``obj`` as a JSON document.

        :raises TypeError: for a type without a JSON rendering
        """
        if isinstance(obj, ActionResult):
            return self.render_result(obj)
        if isinstance(obj, CategoryCollection):
            return self.rendered(self.categories_text(obj) + '\n')
        return self.dump(self.document(obj))

    def categories_text(self, categories):
        """The text of a category collection's document, spliced from
        each category's own text: what ``dump(document(categories))``
        gives, byte for byte (the encoder's separators are ``', '`` and
        ``': '``), without building and encoding a thousand documents
        on every ``GET /-/``."""
        members = []
        for member, items in (('kinds', categories.kinds),
                              ('mixins', categories.mixins),
                              ('actions', categories.actions)):
            if items:
                members.append('"%s": [%s]' % (member, ', '.join(
                    [self.category_text(c) for c in items])))
        return '{%s}' % ', '.join(members)

    def category_text(self, category):
        """The encoded document of one category, kept on it (like the
        text renderings' lines) per mount prefix, the one input of its
        document besides the category itself."""
        key = ('json', self.urls.script_name)
        text = category.rendered.get(key)
        if text is None:
            text = category.rendered[key] = _ENCODER.encode(
                self.document(category))
        return text

    def render_error(self, code, message):
        return Rendered(
            json.dumps({'code': code, 'message': message}) + '\n',
            self.media_type,
        )

    # -- documents ---------------------------------------------------------

    @dispatchmethod
    def document(self, obj):
        """The JSON-able document for ``obj``."""
        raise cannot_render(self, obj)

    @document.register
    def _(self, obj: type(None)):
        return {}

    @document.register
    def _(self, resource: Resource):
        return _put(self._entity(resource), 'links',
                    (self.document(link) for link in resource.links))

    @document.register
    def _(self, link: Link):
        document = self._entity(link)
        document['source'] = self._end(link.source, link.source_kind)
        document['target'] = self._end(link.target, link.target_kind)
        attributes = document['attributes']
        attributes['occi.core.source'] = document['source']['location']
        attributes['occi.core.target'] = document['target']['location']
        return document

    @document.register
    def _(self, kind: Kind):
        document = self._typed(kind)
        if kind.parent is not None:
            document['parent'] = kind.parent.type_id
        else:
            document.setdefault('location', self.urls.path(ENTITY_LOCATION))
        return document

    @document.register
    def _(self, mixin: Mixin):
        document = self._typed(mixin)
        _put(document, 'depends', _ids(mixin.depends))
        return _put(document, 'applies', _ids(mixin.applies))

    @document.register
    def _(self, action: Action):
        document = self._category(action)
        document['attributes'] = self._definitions(action.attributes)
        return document

    @document.register
    def _(self, categories: CategoryCollection):
        """GFD.226's ``model`` (``mixin_collection`` when only mixins)."""
        document = {}
        for member, items in (('kinds', categories.kinds),
                              ('mixins', categories.mixins),
                              ('actions', categories.actions)):
            _put(document, member, (self.document(c) for c in items))
        return document

    @document.register
    def _(self, collection: Collection):
        """``resources`` and ``links``, each when not empty: GFD.226's
        ``resource_collection``, ``link_collection`` or (both, or none)
        ``model``.

        :raises TypeError: for members known only by location (they have
            no JSON form; views give entities)
        """
        if len(collection) != len(collection.entities):
            raise TypeError('a JSON collection renders entities, not bare '
                            'locations')
        document = {}
        _put(document, 'resources',
             (self.document(r) for r in collection.resources))
        return _put(document, 'links',
                    (self.document(link) for link in collection.links))

    @document.register(list)
    @document.register(tuple)
    def _(self, locations):
        """A bare location list: a JSON array of URLs (rOCCI 5's
        ``locations``; GFD.226 defines none)."""
        return [self.urls.url(location_of(item)) for item in locations]

    @document.register
    def _(self, result: ActionResult):
        carried = carried_by(result)
        if carried is not None and not isinstance(carried, Entity):
            carried = CategoryCollection([carried])
        return self.document(carried)

    def render_result(self, result):
        """An :class:`ActionResult`: its entity or category, and the
        failures of a collection action as ``X-OCCI-Error`` headers."""
        rendered = self.dump(self.document(result))
        rendered.headers.extend(
            (name, header_safe(value)) for name, value in
            HeaderPairs(self.urls).failures(result.failures))
        return rendered

    # -- parts -------------------------------------------------------------

    def _entity(self, entity):
        document = {'kind': entity.kind.type_id, 'id': entity.id}
        attributes = {'occi.core.id': entity.id}
        if entity.title is not None:
            document['title'] = attributes['occi.core.title'] = entity.title
        summary = getattr(entity, 'summary', None)
        if summary is not None:
            document['summary'] = attributes['occi.core.summary'] = summary
        _put(document, 'mixins', _ids(entity.mixins))
        attributes.update(
            (name, value) for name, value in entity.attributes.items()
            if value is not None and name not in CORE_ATTRIBUTE_NAMES)
        document['attributes'] = attributes
        return _put(document, 'actions', _ids(entity.actions))

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
        _put(document, 'actions', _ids(category.actions))
        if category.location:
            # NB: a path, as in the text renderings and the 1.2 JSON
            # examples (pOCCI joins it to the base URL; docs/decisions.md)
            document['location'] = self.urls.path(category.location)
        return document

    def _definitions(self, definitions):
        return {
            name: attribute_description(definition)
            for name, definition in definitions.items()
        }
