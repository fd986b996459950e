"""The user-mixin store without WSGI: migrations, MixinStore and the
records → model.Mixin step."""
import pytest

OWNER = 'user-1'
OTHER = 'user-2'
TAGS = 'http://example.org/tags#'


def _record(term, location=None, owner=OWNER, **kw):
    from occi_pyramid.store import MixinRecord

    return MixinRecord(owner=owner, scheme=TAGS, term=term,
                       location=location or '/tags/%s/' % term, **kw)


@pytest.fixture
def engine(tmp_path):
    from occi_pyramid.store.schema import make_engine, upgrade

    engine = make_engine('sqlite:///%s' % (tmp_path / 'var' / 'store.db'))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine):
    from occi_pyramid.store import MixinStore
    from occi_pyramid.store.database import Database

    return MixinStore(Database(engine))


class TestSchema:
    def test_upgrade_is_idempotent_and_downgrades(self, engine):
        from sqlalchemy import inspect

        from occi_pyramid.store.schema import run, upgrade

        upgrade(engine)
        assert {'occi_user_mixins', 'occi_mixin_associations'} <= set(
            inspect(engine).get_table_names())
        run(engine, 'downgrade', 'base')
        assert 'occi_user_mixins' not in inspect(engine).get_table_names()
        upgrade(engine)
        assert 'occi_user_mixins' in inspect(engine).get_table_names()

    def test_sqlite_folder_is_created(self, tmp_path):
        from occi_pyramid.store.schema import make_engine

        engine = make_engine('sqlite:///%s' % (tmp_path / 'a' / 'b.db'))
        engine.connect().close()
        engine.dispose()
        assert (tmp_path / 'a' / 'b.db').exists()

    def test_memory_database_is_shared_between_threads(self):
        import threading

        from occi_pyramid.store import MixinStore
        from occi_pyramid.store.database import Database
        from occi_pyramid.store.schema import make_engine, upgrade

        engine = make_engine('sqlite://')
        upgrade(engine)
        store = MixinStore(Database(engine))
        thread = threading.Thread(
            target=lambda: store.add([_record('vip')]))
        thread.start()
        thread.join()
        assert [r.term for r in store.mixins(OWNER)] == ['vip']

    def test_bare_postgresql_url_uses_psycopg2(self):
        from occi_pyramid.store.schema import make_engine

        engine = make_engine('postgresql://u@127.0.0.1:1/db')
        assert engine.dialect.driver == 'psycopg2'

    def test_command_line_runs_alembic(self, tmp_path, capsys):
        from occi_pyramid.store.__main__ import main

        ini = tmp_path / 'app.ini'
        ini.write_text('[app:main]\nuse = egg:occi_pyramid\n'
                       'occi.store.url = sqlite:///%s\n'
                       % (tmp_path / 'cli.db'))
        assert main([str(ini)]) == 0
        assert main([str(ini), 'current']) == 0
        assert main([]) == 2
        assert 'python -m occi_pyramid.store' in capsys.readouterr().out


class TestMixinStore:
    def test_definitions_per_owner(self, store):
        store.add([_record('vip', title='VIP', depends=(TAGS + 'x',)),
                   _record('gold')])
        store.add([_record('vip', owner=OTHER)])
        mine = store.mixins(OWNER)
        assert [(r.term, r.title, r.depends) for r in mine] == [
            ('vip', 'VIP', (TAGS + 'x',)), ('gold', None, ())]
        assert [r.type_id for r in store.mixins(OTHER)] == [TAGS + 'vip']

    def test_whether_anyone_uses_a_path(self, store):
        store.add([_record('vip', '/tags/vip/', owner=OTHER),
                   _record('odd', '/a_b%/')])
        for path in ('/tags/vip/', '/tags/', '/a_b%/'):
            assert store.anyone_at_or_below(path), path
        # NB: LIKE wildcards in a path are literal characters
        for path in ('/tags/vip/x/', '/nothing/', '/a%/', '/a_/'):
            assert not store.anyone_at_or_below(path), path

    @pytest.mark.parametrize('clash', [
        _record('vip', '/elsewhere/'), _record('other', '/tags/vip/')])
    def test_conflicts_are_all_or_nothing(self, store, clash):
        from occi_pyramid.store import StoreConflict

        store.add([_record('vip')])
        with pytest.raises(StoreConflict) as info:
            store.add([_record('new'), clash])
        assert info.value.code == 409
        assert [r.term for r in store.mixins(OWNER)] == ['vip']

    def test_associate_replace_dissociate(self, store):
        store.add([_record('vip'), _record('vip', owner=OTHER)])
        vip = TAGS + 'vip'
        store.associate(OWNER, vip, ['/compute/1', '/compute/2'])
        store.associate(OWNER, vip, ['/compute/2'])
        store.associate(OTHER, vip, ['/compute/9'])
        assert store.members(OWNER, vip) == ['/compute/1', '/compute/2']
        store.associate(OWNER, vip, ['/compute/2', '/compute/3'],
                        replace=True)
        assert store.members(OWNER, vip) == ['/compute/2', '/compute/3']
        store.dissociate(OWNER, vip, ['/compute/3', '/compute/7'])
        assert store.members(OWNER, vip) == ['/compute/2']
        store.dissociate(OWNER, vip)
        assert store.members(OWNER, vip) == []
        assert store.members(OTHER, vip) == ['/compute/9']

    def test_unknown_mixin_is_404(self, store):
        from occi_pyramid.exceptions import OCCINotFound

        with pytest.raises(OCCINotFound):
            store.associate(OWNER, TAGS + 'nothing', ['/compute/1'])

    def test_removing_a_definition_removes_its_associations(self, store,
                                                            engine):
        from sqlalchemy import func, select

        from occi_pyramid.store.models import Association

        store.add([_record('vip'), _record('gold')])
        store.associate(OWNER, TAGS + 'vip', ['/compute/1'])
        store.associate(OWNER, TAGS + 'gold', ['/compute/1'])
        store.remove(OWNER, [TAGS + 'vip'])
        assert store.associations(OWNER) == {'/compute/1': (TAGS + 'gold',)}
        with engine.connect() as connection:
            assert connection.scalar(
                select(func.count()).select_from(Association)) == 1

    def test_cascade_is_enforced_by_the_database(self, store, engine):
        from sqlalchemy import delete, func, select

        from occi_pyramid.store.models import Association, UserMixin

        store.add([_record('vip')])
        store.associate(OWNER, TAGS + 'vip', ['/compute/1'])
        with engine.begin() as connection:
            connection.execute(delete(UserMixin))
        with engine.connect() as connection:
            assert connection.scalar(
                select(func.count()).select_from(Association)) == 0

    def test_entity_mixins_add_or_replace(self, store):
        store.add([_record('a'), _record('b'), _record('a', owner=OTHER)])
        store.set_entity_mixins(OWNER, '/compute/1', [TAGS + 'a'])
        store.set_entity_mixins(OWNER, '/compute/1', [TAGS + 'b'])
        store.set_entity_mixins(OTHER, '/compute/1', [TAGS + 'a'])
        assert store.associations(OWNER) == {
            '/compute/1': (TAGS + 'a', TAGS + 'b')}
        store.set_entity_mixins(OWNER, '/compute/1', [TAGS + 'b'],
                                replace=True)
        assert store.associations(OWNER) == {'/compute/1': (TAGS + 'b',)}
        store.forget_entities(OWNER, ['/compute/1'])
        assert store.associations(OWNER) == {}
        assert store.associations(OTHER) == {'/compute/1': (TAGS + 'a',)}


class TestBuildMixins:
    def test_depends_and_applies_resolve(self):
        from occi_pyramid import model
        from occi_pyramid.categories import CategoryRegistry
        from occi_pyramid.store import build_mixins

        static = CategoryRegistry(model.CORE_KINDS + model.KINDS +
                                  model.MIXINS)
        records = [
            _record('lan', depends=(TAGS + 'net',)),
            _record('net', applies=(model.NETWORK.type_id,),
                    depends=(model.SSH_KEY.type_id, TAGS + 'gone')),
        ]
        mixins = build_mixins(records, static)
        lan, net = mixins[TAGS + 'lan'], mixins[TAGS + 'net']
        assert lan.depends == [net]
        assert net.depends == [model.SSH_KEY]
        assert net.applies == [model.NETWORK]
        assert lan.owner == OWNER and lan.location == '/tags/lan/'
        # applies is inherited through depends
        assert lan.applies_to(model.NETWORK)
        assert not lan.applies_to(model.COMPUTE)

    def test_shared_mixins_are_built_once_per_records_tuple(self):
        from occi_pyramid import model
        from occi_pyramid.categories import CategoryRegistry
        from occi_pyramid.store import shared_mixins

        static = CategoryRegistry(model.CORE_KINDS + model.KINDS)
        records = (_record('lan'),)
        first = shared_mixins(records, static)
        assert shared_mixins(records, static) is first
        # the store read again (a new tuple, equal or not): built anew
        again = shared_mixins((_record('lan'),), static)
        assert again is not first and list(again) == list(first)
        other = CategoryRegistry(model.CORE_KINDS + model.KINDS)
        assert shared_mixins(records, other) is not first

    def test_a_new_mixin_is_stored_as_the_record_it_is_built_from(self):
        from occi_pyramid import model
        from occi_pyramid.categories import CategoryRegistry
        from occi_pyramid.store import build_mixins, definition

        static = CategoryRegistry(model.CORE_KINDS + model.KINDS +
                                  model.MIXINS)
        record = _record(
            'big', title='Big', depends=(model.RESOURCE_TPL.type_id,),
            applies=(model.COMPUTE.type_id,),
            defaults=(('occi.compute.cores', 4),
                      ('occi.compute.memory', 8.0)))
        [mixin] = build_mixins([record], static).values()
        assert definition(OWNER, mixin) == record
        assert definition(OTHER, mixin).owner == OTHER


class TestRegistration:
    """The store is registered once, at configuration time, as utilities
    that share its database."""

    def _database(self):
        from occi_pyramid.store.database import Database
        from occi_pyramid.store.schema import make_engine, upgrade

        engine = make_engine('sqlite://')
        upgrade(engine)
        return Database(engine)

    def test_its_parts_are_utilities_on_one_database(self):
        from pyramid.config import Configurator
        from zope.interface.verify import verifyObject

        from occi_pyramid.interfaces import IPendingStore, IUserMixinStore
        from occi_pyramid.store import register_store

        database = self._database()
        config = Configurator()
        register_store(config, database)
        config.commit()
        mixins = config.registry.getUtility(IUserMixinStore)
        pending = config.registry.getUtility(IPendingStore)
        assert verifyObject(IUserMixinStore, mixins)
        assert verifyObject(IPendingStore, pending)
        assert mixins.database is pending.database is database
        mixins.add([_record('vip')])
        assert [r.term for r in mixins.mixins(OWNER)] == ['vip']
        database.dispose()

    def test_two_stores_conflict(self):
        from pyramid.config import Configurator
        from pyramid.exceptions import ConfigurationConflictError

        from occi_pyramid.store import register_store

        databases = [self._database(), self._database()]

        def one(config):
            register_store(config, databases[0])

        def another(config):
            register_store(config, databases[1])

        config = Configurator()
        config.include(one)
        config.include(another)
        with pytest.raises(ConfigurationConflictError):
            config.commit()
        for database in databases:
            database.dispose()
