"""What the cloud cannot hold, kept in an SQL database: user mixins and
deferred work.

``includeme`` opens the process's :class:`~.database.Database` from
``occi.store.url`` (SQLite file by default, PostgreSQL for several
processes), migrates it to the newest revision and registers its two
parts once, as utilities: the :class:`~.api.MixinStore`
(:class:`~occi_pyramid.interfaces.IUserMixinStore`) and the
:class:`~.pending.PendingStore`
(:class:`~occi_pyramid.interfaces.IPendingStore`).

The store knows no request: it takes user ids, type ids and locations,
and answers records, or :class:`model.Mixin` objects built from them
(:func:`build_mixins`).  The request's side is ``request.occi``
(:mod:`occi_pyramid.seam`, whose user-mixin layer is
:mod:`occi_pyramid.wrappers.usermixins`): the views, the decoration of
entities with their mixins and the category source of the caller's
mixins go through it.
See docs/mixins.md.
"""
from .. import model
from ..memo import KeptFor
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


#: the mixins built of a records tuple and a static registry: the store
#: shares one tuple while the owner's mixins do not change, and so the
#: mixins are built once (as the cloud's templates are), which lets a
#: request's merged categories be reused
_BUILT = KeptFor(1000)


def shared_mixins(records, static):
    """:func:`build_mixins` once per records tuple: the same ``{type id:
    Mixin}`` (shared: do not change it or its mixins) while ``records``
    is the tuple the store shares."""
    return _BUILT.get((records, static),
                      lambda: build_mixins(records, static))


#: the attributes a user-defined resource template may give defaults for
#: (the size a create naming it asks for), and their types
SIZES = {'occi.compute.cores': 'integer', 'occi.compute.memory': 'float'}


def size_definitions(defaults):
    """The attribute definitions of a user mixin's ``defaults`` (only
    :data:`SIZES` are stored)."""
    return model.attribute_map(*(
        model.AttributeDef(name, SIZES[name], default=value)
        for name, value in defaults if name in SIZES))


def definition(owner, mixin):
    """The :class:`MixinRecord` that stores ``mixin`` (a new
    :class:`model.Mixin` of ``owner``): what :func:`build_mixins` makes it
    again from.  Its ``depends`` and ``applies`` are kept as type ids, and
    its attribute defaults only for :data:`SIZES`."""
    return MixinRecord(
        owner=owner, scheme=mixin.scheme, term=mixin.term,
        location=mixin.location, title=mixin.title,
        depends=tuple(m.type_id for m in mixin.depends),
        applies=tuple(k.type_id for k in mixin.applies),
        defaults=tuple(sorted(
            (name, attribute.default)
            for name, attribute in mixin.attributes.items()
            if name in SIZES)))


def register_store(config, database):
    """Register the parts of the store on ``database`` as utilities; a
    second store in one application is a configuration conflict."""
    from ..interfaces import IPendingStore, IUserMixinStore
    from .pending import PendingStore

    def register():
        registry = config.registry
        registry.registerUtility(MixinStore(database), IUserMixinStore)
        registry.registerUtility(PendingStore(database), IPendingStore)

    config.action(('occi-store',), register)


def includeme(config):  # pragma: no cover - wiring, covered functionally
    from .database import Database
    from .schema import make_engine, upgrade

    settings = config.get_settings()
    engine = make_engine(settings['occi.store.url'])
    upgrade(engine)
    register_store(config, Database(engine, settings['occi.store.cache_ttl']))
