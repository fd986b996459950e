"""request.occi's user mixins, around a backend session, with a real
store (SQLite): decoration, hooks, one store read per request."""
import pytest

from occi_pyramid import model
from occi_pyramid.categories import CategoryRegistry
from occi_pyramid.exceptions import BackendAuthError
from occi_pyramid.model import EntityData

TAGS = 'http://example.org/tags#'
STATIC = CategoryRegistry(model.CORE_KINDS + model.KINDS + model.MIXINS)


class Backend:
    """The smallest OCCI session: computes in a dict.  ``token`` None is
    no token (a 401 on the first operation)."""

    def __init__(self, token='tok', user='user-1'):
        self.token, self.user = token, user
        self.computes = {}
        self.authentications = 0

    def authenticate(self):
        self.authentications += 1
        if self.token is None:
            raise BackendAuthError()
        return self.user

    def _entity(self, id):
        return model.Resource(model.COMPUTE, id,
                              location=model.COMPUTE.location + id,
                              title=self.computes[id])

    def list(self, kind):
        return [self._entity(id) for id in self.computes]

    def get(self, kind, id):
        return self._entity(id)

    def create(self, data):
        id = str(len(self.computes) + 1)
        self.computes[id] = data.get('occi.core.title')
        return self._entity(id)

    def update(self, entity, data):
        return self._entity(entity.id)

    replace = update

    def delete(self, entity):
        del self.computes[entity.id]

    def delete_many(self, entities, busy=None):
        failures = {}
        for entity in entities:
            if entity.title == 'stuck':
                failures[entity.location] = 'refused'
            else:
                self.delete(entity)
        return failures


class CountingStore:
    """A real store, counting its reads."""

    def __init__(self, store):
        self.store = store
        self.reads = []

    def mixins(self, owner):
        self.reads.append('mixins')
        return self.store.mixins(owner)

    def associations(self, owner):
        self.reads.append('associations')
        return self.store.associations(owner)

    def __getattr__(self, name):
        return getattr(self.store, name)


@pytest.fixture
def store(tmp_path):
    from occi_pyramid.store import MixinStore
    from occi_pyramid.store.database import Database
    from occi_pyramid.store.schema import make_engine, upgrade

    engine = make_engine('sqlite:///%s' % (tmp_path / 'store.db'))
    upgrade(engine)
    yield CountingStore(MixinStore(Database(engine)))
    engine.dispose()


def session(backend, store):
    from occi_pyramid.wrappers.usermixins import UserMixinSession

    return UserMixinSession(backend, store, STATIC)


def vip(session):
    [mixin] = session.define([model.Mixin(TAGS, 'vip', location='/vip/')])
    return mixin


def test_the_owner_comes_from_the_backend_once():
    backend = Backend()
    occi = session(backend, None)
    assert (occi.owner, occi.owner) == ('user-1', 'user-1')
    assert backend.authentications == 1


def test_no_token_is_401_before_the_store_is_read(store):
    occi = session(Backend(token=None), store)
    with pytest.raises(BackendAuthError):
        occi.user_mixins()
    assert store.reads == []


def test_a_create_records_the_user_mixins_named(store):
    backend = Backend()
    mixin = vip(session(backend, store))
    made = session(backend, store).create(
        EntityData(model.COMPUTE, [mixin], {'occi.core.title': 'a'}))
    assert mixin.type_id in [m.type_id for m in made.mixins]
    got = session(backend, store).get(model.COMPUTE, made.id)
    assert [m.type_id for m in got.mixins] == [mixin.type_id]


def test_a_request_reads_the_store_once_however_many_entities(store):
    backend = Backend()
    mixin = vip(session(backend, store))
    for title in 'abc':
        session(backend, store).create(
            EntityData(model.COMPUTE, [mixin], {'occi.core.title': title}))
    store.reads.clear()
    occi = session(backend, store)
    listed = occi.list(model.COMPUTE)
    occi.get(model.COMPUTE, listed[0].id)
    assert all(e.has_category(mixin) for e in listed)
    assert sorted(store.reads) == ['associations', 'mixins']


def test_a_change_is_seen_by_the_same_request(store):
    backend = Backend()
    occi = session(backend, store)
    mixin = vip(occi)
    made = occi.create(EntityData(model.COMPUTE, (), {}))
    assert not occi.get(model.COMPUTE, made.id).has_category(mixin)
    occi.associate(mixin.type_id, [made.location])
    assert occi.get(model.COMPUTE, made.id).mixins[-1].type_id == (
        mixin.type_id)
    occi.dissociate(mixin.type_id)
    assert occi.get(model.COMPUTE, made.id).mixins == []


def test_deletes_forget_associations_except_of_the_failed(store):
    backend = Backend()
    occi = session(backend, store)
    mixin = vip(occi)
    made = [occi.create(EntityData(model.COMPUTE, [mixin],
                                   {'occi.core.title': title}))
            for title in ('gone', 'stuck', 'single')]
    occi.delete(made[2])
    assert occi.delete_many(made[:2]) == {made[1].location: 'refused'}
    assert store.store.associations('user-1') == {
        made[1].location: (mixin.type_id,)}
