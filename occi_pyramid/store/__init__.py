"""User mixins: what the cloud cannot hold, kept in an SQL database.

``includeme`` builds the process's :class:`~.api.MixinStore` from
``occi.store.url`` (SQLite file by default, PostgreSQL for several
processes), migrates it to the newest revision, keeps it as
``registry.occi_store`` and registers a category source: the caller's
user mixins as :class:`model.Mixin`.

Everything else reaches the store through ``request.occi``
(:class:`occi_pyramid.usermixins.UserMixinSession`): the views, and the
decoration of entities with their mixins.  See docs/mixins.md.
"""
from .. import model
from .api import MixinRecord, MixinStore, StoreConflict  # noqa: F401


def build_mixins(records, static):
    """:class:`model.Mixin` objects from stored records; ``depends`` and
    ``applies`` resolve against ``static`` and the records themselves."""
    mixins = {}
    for record in records:
        mixins[record.type_id] = model.Mixin(
            record.scheme, record.term, record.title,
            location=record.location, owner=record.owner,
            attributes=size_definitions(record.defaults),
            applies=[k for k in (static.get(i, 'kind')
                                 for i in record.applies) if k is not None])
    for record in records:
        mixin = mixins[record.type_id]
        for type_id in record.depends:
            found = mixins.get(type_id) or static.get(type_id, 'mixin')
            if found is not None:
                mixin.depends.append(found)
    return mixins


#: the attributes a user-defined resource template may give defaults for
#: (the size a create naming it asks for), and their types
SIZES = {'occi.compute.cores': 'integer', 'occi.compute.memory': 'float'}


def size_definitions(defaults):
    """The attribute definitions of a user mixin's ``defaults`` (only
    :data:`SIZES` are stored)."""
    return model.attribute_map(*(
        model.AttributeDef(name, SIZES[name], default=value)
        for name, value in defaults if name in SIZES))


def mixin_source(request):
    """Category source: the caller's user mixins."""
    if not request.auth_token:
        return []
    return list(request.occi.user_mixins().values())


def mixin_probe(request, path):
    """Whether a user mixin may be at or below ``path``: anyone's, so
    that a path nobody uses is 404 without asking the cloud who the
    caller is."""
    return request.occi.mixins_below(path)


def includeme(config):  # pragma: no cover - wiring, covered functionally
    from .cache import configure
    from .schema import make_engine, upgrade

    settings = config.get_settings()
    engine = make_engine(settings['occi.store.url'])
    upgrade(engine)
    configure(engine, settings['occi.store.cache_ttl'])
    config.registry.occi_store = MixinStore(engine)
    config.add_occi_category_source(mixin_source, probe=mixin_probe)
