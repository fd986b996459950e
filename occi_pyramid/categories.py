"""Which OCCI categories the server knows, per request.

Static categories (the core and infrastructure model) are registered at
configuration time with the ``add_occi_kind`` / ``add_occi_mixin``
directives.  Dynamic ones — os_tpl and resource_tpl mixins made from the
cloud's images and flavors, user-defined mixins — come from *category
sources*: callables ``source(request) -> iterable of Category`` registered
with ``config.add_occi_category_source``.  ``request.categories`` merges
both, calling the sources only when a lookup misses the static set, and
by location only the sources that may hold a category there, so
traversing ``/compute/42`` or ``/nothing/here/`` never calls the cloud.
"""
import itertools

from zope.interface import implementer

from . import model
from .interfaces import ICategoryRegistry, IRegion
from .memo import KeptFor
from .settings import DEFAULTS


@implementer(ICategoryRegistry)
class CategoryRegistry:
    """An index of categories by type id and by location."""

    def __init__(self, categories=()):
        self._by_id = {}
        self._by_location = {}
        self._order = []
        self.extend(categories)

    def add(self, category):
        """Add a category; a clash of type id or location is an error."""
        key = (category.category_class, category.type_id)
        if key in self._by_id:
            raise ValueError('category %s registered twice'
                             % category.type_id)
        location = getattr(category, 'location', None)
        if location and location in self._by_location:
            raise ValueError('location %s bound twice' % location)
        self._by_id[key] = category
        if location:
            self._by_location[location] = category
        self._order.append(category)
        for action in getattr(category, 'actions', ()):
            if ('action', action.type_id) not in self._by_id:
                self.add(action)

    def extend(self, categories):
        """Add the categories not registered yet (by class and type id).

        One whose location is bound already is left out: the first one
        wins, and the server's come first (a cloud template that appears
        later at a user mixin's location takes it over).
        """
        for category in categories:
            location = getattr(category, 'location', None)
            if (category.category_class, category.type_id) in self._by_id:
                continue
            if location and location in self._by_location:
                continue
            self.add(category)

    def get(self, type_id, category_class=None):
        if category_class is not None:
            return self._by_id.get((category_class, type_id))
        for cls in ('kind', 'mixin', 'action'):
            category = self._by_id.get((cls, type_id))
            if category is not None:
                return category
        return None

    def by_location(self, path):
        return self._by_location.get(path)

    def locations(self):
        return list(self._by_location)

    def __iter__(self):
        return iter(self._order)

    def __len__(self):
        return len(self._order)

    @property
    def kinds(self):
        return [c for c in self._order if isinstance(c, model.Kind)]

    @property
    def mixins(self):
        return [c for c in self._order if isinstance(c, model.Mixin)]

    @property
    def actions(self):
        return [c for c in self._order if isinstance(c, model.Action)]


class CategorySource:
    """A registered category source: ``source(request)`` yields the
    request's dynamic categories.

    :param below: the locations its categories lie below (``None``:
        anywhere); traversal loads it only for a path at, above or below
        one of them
    :param probe: ``probe(request, path)``, making no cloud call: false
        when none of its categories can be at or below ``path``
    """

    def __init__(self, source, below=None, probe=None):
        self.source = source
        self.below = tuple(below) if below is not None else None
        self.probe = probe

    def __call__(self, request):
        return self.source(request)

    def covers(self, request, path):
        """Whether one of its categories may be at or below ``path``
        (asked without loading it)."""
        if self.below is not None and not any(
                path.startswith(p) or p.startswith(path)
                for p in self.below):
            return False
        return self.probe is None or bool(self.probe(request, path))


def _covers(source, request, path):
    covers = getattr(source, 'covers', None)
    return True if covers is None else covers(request, path)


class RequestCategories:
    """``request.categories``: the static registry plus the dynamic
    categories of this request's user, each source loaded at most once
    per request.

    Lookups by location (traversal) load only the sources that may hold
    a category there, so a path no category can be at costs no cloud
    call and loads no templates.
    """

    def __init__(self, static, sources, request):
        self.static = static
        self._sources = list(sources)
        self._request = request
        self._loaded = {}
        self._covering = {}     # path -> the sources that may hold it
        self._merged = None

    def _load(self, index):
        if index not in self._loaded:
            self._loaded[index] = list(self._sources[index](self._request))
        return self._loaded[index]

    def _registry(self, indexes):
        return merged_registry(
            self.static, [self._load(index) for index in indexes])

    @property
    def all(self):
        """Every category, static then dynamic (loads every source)."""
        if self._merged is None:
            self._merged = self._registry(range(len(self._sources)))
        return self._merged

    def _at(self, path):
        """The categories that may be at or below ``path``: every one
        once loaded, else static plus the sources that cover the path."""
        if self._merged is not None:
            return self._merged
        covering = self._covering.get(path)
        if covering is None:
            covering = self._covering[path] = [
                i for i, source in enumerate(self._sources)
                if _covers(source, self._request, path)]
        if not covering:
            return self.static
        if len(covering) == len(self._sources):
            return self.all
        return self._registry(covering)

    def get(self, type_id, category_class=None):
        found = self.static.get(type_id, category_class)
        if found is None and self._sources:
            found = self.all.get(type_id, category_class)
        return found

    def by_location(self, path):
        found = self.static.by_location(path)
        if found is None and self._sources:
            found = self._at(path).by_location(path)
        return found

    def has_below(self, path):
        """Whether a category is located at or below ``path``."""
        if any(loc.startswith(path) for loc in self.static.locations()):
            return True
        return bool(self._sources) and any(
            loc.startswith(path) for loc in self._at(path).locations())

    def locations(self, dynamic=True):
        registry = self.all if dynamic and self._sources else self.static
        return registry.locations()

    def __iter__(self):
        return iter(self.all)


#: the merges of the static categories with the sources', by the objects
#: merged: the sources give the same category objects while their
#: listings are cached (templates, project and user mixins are each made
#: once per cached listing), so a merge of a thousand templates is made
#: once, not on every ``GET /-/`` or create
_MERGED = KeptFor(256)


def merged_registry(static, loaded):
    """A registry of ``static`` then each list of ``loaded`` (shared by
    the requests whose sources gave the same objects: do not change
    it)."""
    categories = tuple(itertools.chain.from_iterable(loaded))

    def merge():
        merged = CategoryRegistry()
        merged.extend(static)
        merged.extend(categories)
        return merged
    return _MERGED.get((static,) + categories, merge)


def get_static_registry(registry):
    return registry.getUtility(ICategoryRegistry)


def request_categories(request):
    registry = request.registry
    return RequestCategories(
        registry.getUtility(ICategoryRegistry),
        getattr(registry, 'occi_category_sources', ()),
        request,
    )


def _add_category(config, category):
    static = config.registry.getUtility(ICategoryRegistry)

    def register():
        static.add(category)

    config.action(('occi-category', category.category_class,
                   category.type_id), register)


def add_occi_kind(config, kind):
    """Directive: serve ``kind`` (its location becomes a collection)."""
    _add_category(config, kind)


def add_occi_mixin(config, mixin):
    """Directive: serve a provider ``mixin``."""
    _add_category(config, mixin)


def _append(config, attribute, item):
    """Add ``item`` to the registry's list ``attribute`` at commit time."""
    item = config.maybe_dotted(item)

    def register():
        registry = config.registry
        if not hasattr(registry, attribute):
            setattr(registry, attribute, [])
        getattr(registry, attribute).append(item)

    config.action(None, register)


def add_occi_category_source(config, source, below=None, probe=None):
    """Directive: ``source(request)`` yields the request's dynamic
    categories (templates, user mixins); ``below`` and ``probe`` let
    traversal leave it unloaded (:class:`CategorySource`)."""
    _append(config, 'occi_category_sources',
            CategorySource(config.maybe_dotted(source), below,
                           config.maybe_dotted(probe)))


def includeme(config):
    config.registry.registerUtility(CategoryRegistry(), ICategoryRegistry)
    config.add_directive('add_occi_kind', add_occi_kind)
    config.add_directive('add_occi_mixin', add_occi_mixin)
    config.add_directive('add_occi_category_source',
                         add_occi_category_source)
    config.add_request_method(request_categories, 'categories', reify=True)
    for category in model.CORE_KINDS + model.KINDS:
        config.add_occi_kind(category)
    for mixin in model.MIXINS:
        config.add_occi_mixin(mixin)
    # NB: the endpoint's, whatever its backend; read like coerce_settings
    # would, for a configuration that includes no settings (tests)
    name = config.registry.settings.get('occi.region',
                                        DEFAULTS['occi.region'][0])
    region = model.region_mixin(str(name).strip())
    config.registry.registerUtility(region, IRegion)
    config.add_occi_mixin(region)
