"""User mixins: what the cloud cannot hold, kept in an SQL database.

``includeme`` builds the process's :class:`~.api.MixinStore` from
``occi.store.url`` (SQLite file by default, PostgreSQL for several
processes), migrates it to the newest revision and registers:

* ``request.occi_user``: the caller's cloud user id (owner of mixins);
* ``request.occi_store``: the store;
* a category source: the caller's user mixins as :class:`model.Mixin`;
* an entity extension adding associated user mixins to entities and
  recording the ones named in creates and updates.

The views are in :mod:`occi_pyramid.views.mixins`.  See docs/mixins.md.
"""
from zope.interface import implementer

from .. import model
from ..exceptions import BackendAuthError
from ..interfaces import IEntityExtension
from .api import MixinRecord, MixinStore, StoreConflict  # noqa: F401

def occi_user(request):
    """The caller's cloud user id (reified).  The backend keeps identity
    answers per token hash for ``occi.synnefo.cache_ttl``, so this costs
    no identity call per request.

    :raises BackendAuthError: no token, or the cloud refuses it
    """
    if not request.auth_token:
        raise BackendAuthError()
    return request.occi.authenticate()


def occi_store(request):
    return request.registry.occi_store


def build_mixins(records, static):
    """:class:`model.Mixin` objects from stored records; ``depends`` and
    ``applies`` resolve against ``static`` and the records themselves."""
    mixins = {}
    for record in records:
        mixins[record.type_id] = model.Mixin(
            record.scheme, record.term, record.title,
            location=record.location, owner=record.owner,
            applies=[k for k in (static.get(i, 'kind')
                                 for i in record.applies) if k is not None])
    for record in records:
        mixin = mixins[record.type_id]
        for type_id in record.depends:
            found = mixins.get(type_id) or static.get(type_id, 'mixin')
            if found is not None:
                mixin.depends.append(found)
    return mixins


def user_mixins(request):
    """``{type id: Mixin}`` of the caller's mixins, read once per request
    (:func:`forget` drops it after a change)."""
    cached = getattr(request, '_occi_user_mixins', None)
    if cached is None:
        records = request.occi_store.mixins(request.occi_user)
        cached = build_mixins(records, request.categories.static)
        request._occi_user_mixins = cached
    return cached


def associations(request):
    """``{entity location: [type id]}`` of the caller, once per request."""
    cached = getattr(request, '_occi_associations', None)
    if cached is None:
        cached = request.occi_store.associations(request.occi_user)
        request._occi_associations = cached
    return cached


def forget(request):
    """Drop what this request read from the store (it changed)."""
    request._occi_user_mixins = None
    request._occi_associations = None


def mixin_source(request):
    """Category source: the caller's user mixins."""
    if not request.auth_token:
        return []
    return list(user_mixins(request).values())


def _user_type_ids(data):
    return [m.type_id for m in data.mixins if m.owner is not None]


@implementer(IEntityExtension)
class UserMixinExtension:
    """Associations of user mixins with entities, around every OCCI
    operation (see :class:`~occi_pyramid.interfaces.IEntityExtension`)."""

    def decorate(self, request, entities):
        if not entities:
            return
        mixins = user_mixins(request)
        if not mixins:
            return
        tagged = associations(request)
        for entity in entities:
            for type_id in tagged.get(entity.location, ()):
                mixin = mixins.get(type_id)
                if mixin is not None and mixin not in entity.mixins:
                    entity.mixins.append(mixin)

    def created(self, request, entity, data):
        type_ids = _user_type_ids(data)
        if type_ids:
            request.occi_store.set_entity_mixins(
                request.occi_user, entity.location, type_ids)
            forget(request)

    def updated(self, request, entity, data, replace):
        type_ids = _user_type_ids(data)
        if type_ids or (replace and user_mixins(request)):
            request.occi_store.set_entity_mixins(
                request.occi_user, entity.location, type_ids, replace)
            forget(request)

    def deleted(self, request, entity):
        if user_mixins(request):
            request.occi_store.forget_entities(request.occi_user,
                                               [entity.location])
            forget(request)


def includeme(config):  # pragma: no cover - wiring, covered functionally
    from .schema import make_engine, upgrade

    settings = config.get_settings()
    engine = make_engine(settings['occi.store.url'])
    upgrade(engine)
    config.registry.occi_store = MixinStore(engine)
    config.add_request_method(occi_user, 'occi_user', reify=True)
    config.add_request_method(occi_store, 'occi_store', reify=True)
    config.add_occi_category_source(mixin_source)
    config.add_occi_entity_extension(UserMixinExtension())
