"""The backend contract, as a suite every backend passes.

It runs on the backend's own :class:`~occi_pyramid.interfaces.IOCCISession`
(``backend.session(token, application_url, categories)``), not on
``request.occi``: the wrappers the application puts around every backend
(deferred work, user mixins) are not the backend's to provide
(docs/backends.md).  It imports pytest, so import it from tests only.

To check a backend, subclass :class:`BackendContract` in a test module
that gives three fixtures::

    import pytest
    from occi_pyramid.backends.testing import BackendContract

    @pytest.fixture
    def backend():
        return MyBackend(...)           # a fresh cloud: no entity

    @pytest.fixture
    def tokens():
        return Tokens(alice='a', bob='b', refused='nobody-has-this')

    @pytest.fixture
    def cloud():
        return MyCloudHandle()          # .settle()

    class TestMyCloud(BackendContract):
        pass

``backend``
    the :class:`~occi_pyramid.interfaces.IBackend`, on a cloud holding no
    entity of the two users yet, offering at least one os_tpl and one
    resource_tpl.
``tokens``
    a :class:`Tokens`: two users' valid tokens and one the cloud refuses.
``cloud``
    a handle on the cloud's own clock: ``settle()`` lets every job the
    cloud has in hand finish (builds, actions, attaches, detaches,
    deletes).  Until then a compute just created is being built, and one
    running an action is busy; a cloud whose jobs cannot be held (they
    end at once) cannot pass the busy tests, which is the point of them.
``categories``
    the static :class:`~occi_pyramid.interfaces.ICategoryRegistry`; the
    default is every static category of the model and the backend's
    provider mixins, as the application registers them.

The suite asserts the contract of docs/backends.md and no cloud's quirks:
what is made is found at its location and in listings, each kind's
change, the links (to a settled, a building and a busy compute, twice),
who sees what, and which error each failure raises.
"""
import collections

import pytest
from zope.interface.verify import verifyObject

from occi_pyramid import model
from occi_pyramid.categories import CategoryRegistry
from occi_pyramid.exceptions import (
    BackendAuthError, OCCIBadRequest, OCCIBusy, OCCIConflict, OCCIError,
    OCCINotFound,
)
from occi_pyramid.interfaces import IBackend, IOCCISession
from occi_pyramid.model import EntityData

#: the application URL the sessions of the suite are made with
APPLICATION_URL = 'http://occi.example.org'

#: two users' valid tokens, and one the cloud refuses
Tokens = collections.namedtuple('Tokens', 'alice bob refused')

#: an id no entity has (of any kind, on any cloud): one path segment
MISSING = '0'


class BackendContract:
    """The contract of a backend (docs/backends.md).  Each test takes the
    ``occi`` fixture, a factory of fresh sessions (one per request):
    ``occi()`` for alice, ``occi('bob')`` for bob."""

    @pytest.fixture
    def categories(self, backend):
        return CategoryRegistry(model.static_categories()
                                + list(getattr(backend, 'mixins', ())))

    @pytest.fixture
    def occi(self, backend, tokens, categories):
        def session(user='alice'):
            token = getattr(tokens, user) if user else None
            return backend.session(token, APPLICATION_URL, categories)
        return session

    # -- helpers ------------------------------------------------------------

    @staticmethod
    def template(session, base):
        for mixin in session.templates():
            if mixin.is_a(base) and mixin is not base and getattr(
                    mixin, 'offered', True):
                return mixin
        pytest.fail('the backend offers no %s' % base.term)

    def compute(self, occi, cloud, title='contract', settle=True,
                user='alice'):
        """A new compute of ``user``, built (``settle``) or being built."""
        session = occi(user)
        made = session.create(EntityData(model.COMPUTE, [
            self.template(session, model.OS_TPL),
            self.template(session, model.RESOURCE_TPL)],
            {'occi.core.title': title}))
        if settle:
            cloud.settle()
        return made

    @staticmethod
    def network(occi, title='contract-net', user='alice'):
        return occi(user).create(EntityData(
            model.NETWORK, [model.IPNETWORK], {
                'occi.core.title': title,
                'occi.network.address': '10.11.12.0/24'}))

    @staticmethod
    def storage(occi, cloud, title='contract-disk', size=1.0):
        made = occi().create(EntityData(model.STORAGE, [], {
            'occi.core.title': title, 'occi.storage.size': size}))
        cloud.settle()
        return made

    @staticmethod
    def inline(kind, target, defer=False):
        """An inline link of a compute create or update, as the views
        hand it over: resolved and validated (docs/backends.md)."""
        return model.LinkData(kind, target.kind, target.id, defer=defer)

    @staticmethod
    def link(occi, kind, source, target, attributes=None):
        values = {'occi.core.source': source.location,
                  'occi.core.target': target.location}
        values.update(attributes or {})
        return occi().create(EntityData(kind, [], values))

    def finish_delete(self, occi, cloud, entity):
        """Delete ``entity`` and carry the delete on until it is done."""
        try:
            outcome = occi().delete(entity)
        except OCCIBusy as busy:
            outcome = busy
        self.carry_on(occi, cloud, entity, outcome)

    @staticmethod
    def carry_on(occi, cloud, entity, outcome):
        """Carry on a delete that answered ``outcome`` as the application
        does: while it is ``OCCIBusy`` or ``Unfinished``,
        ``resume_delete`` once the cloud settled."""
        resume = getattr(outcome, 'resume', None)
        for _ in range(20):
            if outcome is None:
                break
            cloud.settle()
            try:
                outcome = occi().resume_delete(entity.kind, entity.id,
                                               resume)
            except OCCIBusy as busy:
                outcome = busy
            if isinstance(outcome, model.Unfinished):
                resume = outcome.resume
        assert outcome is None, 'the delete never ended: %r' % outcome
        cloud.settle()

    @staticmethod
    def gone(occi, entity):
        with pytest.raises(OCCINotFound):
            occi().get(entity.kind, entity.id)
        return entity.location not in occi().locations(entity.kind)

    # -- the objects ----------------------------------------------------------

    def test_the_backend_provides_the_interface(self, backend):
        assert verifyObject(IBackend, backend)
        assert backend.cloud_id
        assert isinstance(backend.heartbeat(), bool)

    def test_a_session_provides_the_interface(self, occi):
        assert verifyObject(IOCCISession, occi())

    def test_templates_are_os_and_resource_mixins(self, occi):
        templates = occi().templates()
        assert all(isinstance(m, model.Mixin) for m in templates)
        for base in (model.OS_TPL, model.RESOURCE_TPL):
            family = [m for m in templates if m.is_a(base) and m is not base]
            assert family, 'no %s' % base.term
            for mixin in family:
                assert mixin.location.startswith(base.location), mixin

    # -- tokens and users -----------------------------------------------------

    def test_each_user_is_told_apart(self, occi):
        alice, bob = occi().authenticate(), occi('bob').authenticate()
        assert alice and bob and alice != bob
        assert occi().authenticate() == alice

    @pytest.mark.parametrize('user', [None, 'refused'])
    def test_a_missing_or_refused_token_is_401_on_first_use(
            self, occi, cloud, user):
        # NB: a get of an id the cloud cannot have may be a 404 without
        # asking the cloud: an id that exists is asked for
        made = self.storage(occi, cloud)
        for operation in (
                lambda s: s.authenticate(),
                lambda s: s.list(model.COMPUTE),
                lambda s: s.locations(model.RESOURCE),
                lambda s: s.templates(),
                lambda s: s.get(model.STORAGE, made.id)):
            with pytest.raises(BackendAuthError) as info:
                operation(occi(user))
            assert info.value.code == 401

    def test_users_do_not_see_each_others_entities(self, occi, cloud):
        made = self.compute(occi, cloud)
        bob = occi('bob')
        assert made.location not in [e.location
                                     for e in bob.list(model.RESOURCE)]
        assert made.location not in bob.locations(model.COMPUTE)
        with pytest.raises(OCCINotFound):
            bob.get(model.COMPUTE, made.id)

    # -- every kind: create, get, list, locations, update, delete -------------

    def test_create_returns_the_entity_at_its_location(self, occi, cloud):
        made = self.compute(occi, cloud, 'made')
        assert made.kind == model.COMPUTE
        assert made.location == model.COMPUTE.location + made.id
        assert '/' not in made.id and made.title == 'made'
        assert not made.existed

    def test_get_returns_what_create_made(self, occi, cloud):
        made = self.compute(occi, cloud)
        got = occi().get(model.COMPUTE, made.id)
        assert (got.kind, got.id, got.location) == (
            made.kind, made.id, made.location)
        assert got.has_category(model.OS_TPL)
        assert got.has_category(model.RESOURCE_TPL)
        assert got.attributes['occi.compute.state'] == 'active'

    def test_each_kind_is_made_and_found(self, occi, cloud):
        network = self.network(occi, 'net')
        storage = self.storage(occi, cloud, 'disk', 2.0)
        for made, kind, title in ((network, model.NETWORK, 'net'),
                                  (storage, model.STORAGE, 'disk')):
            assert made.location == kind.location + made.id
            got = occi().get(kind, made.id)
            assert (got.kind, got.title) == (kind, title)
            assert made.location in occi().locations(kind)
        assert network.has_category(model.IPNETWORK)
        assert network.attributes['occi.network.address'] == '10.11.12.0/24'
        assert occi().get(model.STORAGE, storage.id).attributes[
            'occi.storage.size'] == 2.0

    def test_get_of_an_unknown_entity_is_not_found(self, occi):
        for kind in model.KINDS:
            for id in (MISSING, 'no-such-entity'):
                with pytest.raises(OCCINotFound):
                    occi().get(kind, id)

    def test_list_and_locations_agree(self, occi, cloud):
        made = [self.compute(occi, cloud, 'l%d' % i) for i in range(2)]
        network = self.network(occi)
        self.link(occi, model.NETWORKINTERFACE, made[0], network)
        cloud.settle()
        for kind in model.KINDS + [model.RESOURCE, model.LINK]:
            listed = [e.location for e in occi().list(kind)]
            assert listed == occi().locations(kind), kind
            assert all(e.kind.is_a(kind) for e in occi().list(kind))
        assert {e.location for e in made} <= set(
            occi().locations(model.COMPUTE))

    def test_members_are_what_list_holds(self, occi, cloud):
        """What a collection DELETE deletes: the listed entities, by
        kind, id and location, a link's ends with them."""
        compute, network = self.compute(occi, cloud), self.network(occi)
        self.link(occi, model.NETWORKINTERFACE, compute, network)
        cloud.settle()
        for kind in model.KINDS + [model.RESOURCE, model.LINK]:
            members, listed = occi().members(kind), occi().list(kind)
            assert [(m.kind, m.id, m.location) for m in members] == [
                (e.kind, e.id, e.location) for e in listed], kind
            assert all((m.source, m.target) == (e.source, e.target)
                       for m, e in zip(members, listed)
                       if isinstance(e, model.Link)), kind

    def test_list_of_a_parent_kind_holds_its_sub_kinds(self, occi, cloud):
        compute, network = self.compute(occi, cloud), self.network(occi)
        link = self.link(occi, model.NETWORKINTERFACE, compute, network)
        cloud.settle()
        resources = occi().locations(model.RESOURCE)
        assert {compute.location, network.location} <= set(resources)
        assert link.location not in resources
        assert link.location in occi().locations(model.LINK)

    def test_update_changes_the_title(self, occi, cloud):
        made = {'compute': self.compute(occi, cloud),
                'network': self.network(occi),
                'storage': self.storage(occi, cloud)}
        for name, entity in made.items():
            session = occi()
            current = session.get(entity.kind, entity.id)
            updated = session.update(current, EntityData(
                entity.kind, (), {'occi.core.title': 'renamed'}))
            assert updated.title == 'renamed', name
            cloud.settle()
            assert occi().get(entity.kind, entity.id).title == 'renamed'

    def test_replace_answers_the_new_entity(self, occi, cloud):
        made = self.storage(occi, cloud, 'before', 1.0)
        session = occi()
        current = session.get(model.STORAGE, made.id)
        replaced = session.replace(current, EntityData(model.STORAGE, (), {
            'occi.core.title': 'after', 'occi.storage.size': 1.0}))
        assert (replaced.location, replaced.title) == (made.location,
                                                       'after')

    def test_entities_are_plain_model_objects(self, occi, cloud):
        made = self.compute(occi, cloud)
        self.storage(occi, cloud)
        for entity in [made, occi().get(model.COMPUTE, made.id)] + occi(
                ).list(model.RESOURCE):
            plain = model.Resource(entity.kind, entity.id)
            assert set(vars(entity)) <= set(vars(plain)), entity

    def test_an_entity_from_another_session_can_be_changed(self, occi,
                                                            cloud):
        made = self.compute(occi, cloud)
        entity = occi().get(model.COMPUTE, made.id)
        updated = occi().update(entity, EntityData(
            model.COMPUTE, (), {'occi.core.title': 'elsewhere'}))
        assert updated.title == 'elsewhere'
        self.finish_delete(occi, cloud, entity)
        assert self.gone(occi, made)

    def test_each_kind_is_deleted(self, occi, cloud):
        made = [self.compute(occi, cloud), self.network(occi),
                self.storage(occi, cloud)]
        for entity in made:
            self.finish_delete(occi, cloud, entity)
        for entity in made:
            assert self.gone(occi, entity)

    def test_a_delete_answers_none_or_what_to_resume(self, occi, cloud):
        """A delete is done (``None``) or ``Unfinished``; resuming the
        delete of an entity that is gone is done at once."""
        made = self.compute(occi, cloud)
        outcome = occi().delete(made)
        assert outcome is None or isinstance(outcome, model.Unfinished)
        self.carry_on(occi, cloud, made, outcome)
        assert self.gone(occi, made)
        assert occi().resume_delete(model.COMPUTE, made.id, None) is None

    def test_delete_of_what_is_gone_is_not_found(self, occi, cloud):
        made = self.storage(occi, cloud)
        self.finish_delete(occi, cloud, made)
        with pytest.raises(OCCINotFound):
            occi().delete(made)

    def test_delete_many_reports_nothing_when_all_went(self, occi, cloud):
        computes = [self.compute(occi, cloud, 'm%d' % i) for i in range(2)]
        network = self.network(occi)
        link = self.link(occi, model.NETWORKINTERFACE, computes[0], network)
        cloud.settle()
        session = occi()
        members = session.list(model.COMPUTE) + [
            session.get(model.NETWORKINTERFACE, link.id)]
        waiting = []
        failures = session.delete_many(
            members, busy=lambda entity, outcome: waiting.append(
                (entity, outcome)) or True)
        assert failures == {}
        for entity, outcome in waiting:
            assert isinstance(outcome, (model.Unfinished, OCCIBusy))
            self.carry_on(occi, cloud, entity, outcome)
        cloud.settle()
        remaining = occi().locations(model.RESOURCE) + occi().locations(
            model.LINK)
        assert not {e.location for e in computes + [link]} & set(remaining)
        assert network.location in remaining

    # -- actions -------------------------------------------------------------

    def test_an_action_returns_an_action_result(self, occi, cloud):
        made = self.compute(occi, cloud)
        entity = occi().get(model.COMPUTE, made.id)
        assert model.STOP in entity.actions
        assert isinstance(occi().run_action(entity, model.STOP, {
            'method': 'graceful'}), model.ActionResult)
        cloud.settle()
        stopped = occi().get(model.COMPUTE, made.id)
        assert stopped.attributes['occi.compute.state'] == 'inactive'
        assert model.START in stopped.actions
        assert isinstance(occi().run_action(stopped, model.START, {}),
                          model.ActionResult)
        cloud.settle()
        assert occi().get(model.COMPUTE, made.id).attributes[
            'occi.compute.state'] == 'active'

    def test_an_action_the_state_refuses_is_a_conflict(self, occi, cloud):
        made = self.compute(occi, cloud)
        entity = occi().get(model.COMPUTE, made.id)
        assert model.START not in entity.actions
        with pytest.raises(OCCIError) as info:
            occi().run_action(entity, model.START, {})
        assert info.value.code == 409

    def test_every_action_runs_or_is_refused_with_a_status(self, occi,
                                                            cloud):
        """Each action of each kind answers an ActionResult or is refused
        with the client's status: 409 for the state, 501 for what the
        cloud does not offer; never anything else."""
        made = [self.compute(occi, cloud), self.network(occi),
                self.storage(occi, cloud)]
        for entity in made:
            for action in entity.kind.actions:
                params = {name: definition.default for name, definition
                          in action.attributes.items()
                          if definition.default is not None}
                if action == model.RESIZE:
                    params['size'] = 3.0
                current = occi().get(entity.kind, entity.id)
                try:
                    result = occi().run_action(current, action, params)
                except OCCIError as exc:
                    assert exc.code in (409, 501), (action, exc)
                else:
                    assert isinstance(result, model.ActionResult), action
                cloud.settle()

    # -- links ----------------------------------------------------------------

    @pytest.mark.parametrize('kind', [model.NETWORKINTERFACE,
                                      model.STORAGELINK])
    def test_a_link_to_a_ready_compute(self, occi, cloud, kind):
        compute = self.compute(occi, cloud)
        target = (self.network(occi) if kind == model.NETWORKINTERFACE
                  else self.storage(occi, cloud))
        link = self.link(occi, kind, compute, target)
        cloud.settle()
        assert (link.kind, link.location) == (kind,
                                              kind.location + link.id)
        assert not link.existed
        got = occi().get(kind, link.id)
        assert (got.source, got.target) == (compute.location,
                                            target.location)
        assert got.target_kind == target.kind
        assert link.location in occi().locations(kind)
        assert link.location in [
            child.location for child in
            occi().get(model.COMPUTE, compute.id).links]

    @pytest.mark.parametrize('kind', [model.NETWORKINTERFACE,
                                      model.STORAGELINK])
    def test_a_link_made_again_is_the_one_made(self, occi, cloud, kind):
        """A create of a link that exists answers it (``existed``): the
        application's retries rely on it to make a link once."""
        compute = self.compute(occi, cloud)
        target = (self.network(occi) if kind == model.NETWORKINTERFACE
                  else self.storage(occi, cloud))
        first = self.link(occi, kind, compute, target)
        # NB: at once (a retry while the cloud makes it), and once made
        made = [self.link(occi, kind, compute, target)]
        cloud.settle()
        made.append(self.link(occi, kind, compute, target))
        for again in made:
            assert again.existed
            assert again.location == first.location
        assert occi().locations(kind).count(first.location) == 1

    @pytest.mark.parametrize('kind', [model.NETWORKINTERFACE,
                                      model.STORAGELINK])
    def test_a_link_to_a_compute_being_built_is_busy(self, occi, cloud,
                                                     kind):
        """Only for now: ``OCCIBusy`` saying what it waits for, nothing
        made; the same create succeeds once the compute is built."""
        target = (self.network(occi) if kind == model.NETWORKINTERFACE
                  else self.storage(occi, cloud))
        compute = self.compute(occi, cloud, settle=False)
        with pytest.raises(OCCIBusy) as info:
            self.link(occi, kind, compute, target)
        assert info.value.code == 409 and info.value.waiting
        assert compute.id in info.value.waiting
        assert target.location not in [
            link.target for link in occi().list(kind)]
        cloud.settle()
        link = self.link(occi, kind, compute, target)
        assert occi().get(kind, link.id).source == compute.location

    @pytest.mark.parametrize('kind', [model.NETWORKINTERFACE,
                                      model.STORAGELINK])
    def test_a_link_to_a_compute_running_an_action_is_busy(
            self, occi, cloud, kind):
        compute = self.compute(occi, cloud)
        target = (self.network(occi) if kind == model.NETWORKINTERFACE
                  else self.storage(occi, cloud))
        occi().run_action(occi().get(model.COMPUTE, compute.id),
                          model.STOP, {'method': 'graceful'})
        with pytest.raises(OCCIBusy) as info:
            self.link(occi, kind, compute, target)
        assert info.value.waiting
        cloud.settle()
        self.link(occi, kind, compute, target)

    def test_a_compute_is_made_with_its_inline_links(self, occi, cloud):
        """An inline link is made with its compute, except one marked
        ``defer``: checked, not made (the application makes it once the
        compute can take it)."""
        network, storage = self.network(occi), self.storage(occi, cloud)
        session = occi()
        made = session.create(EntityData(model.COMPUTE, [
            self.template(session, model.OS_TPL),
            self.template(session, model.RESOURCE_TPL)], {}, [
            self.inline(model.NETWORKINTERFACE, network),
            self.inline(model.STORAGELINK, storage, defer=True)]))
        cloud.settle()
        targets = [link.target for link in
                   occi().get(model.COMPUTE, made.id).links]
        assert network.location in targets
        assert storage.location not in targets

    def test_an_inline_link_to_nothing_makes_nothing(self, occi, cloud):
        network = self.network(occi)
        nothing = model.Resource(model.STORAGE, MISSING,
                                 model.STORAGE.location + MISSING)
        session = occi()
        with pytest.raises(OCCINotFound):
            session.create(EntityData(model.COMPUTE, [
                self.template(session, model.OS_TPL),
                self.template(session, model.RESOURCE_TPL)], {}, [
                self.inline(model.NETWORKINTERFACE, network),
                self.inline(model.STORAGELINK, nothing, defer=True)]))
        cloud.settle()
        assert occi().locations(model.COMPUTE) == []
        assert occi().locations(model.NETWORKINTERFACE) == []

    def test_links_added_to_a_busy_compute_are_busy(self, occi, cloud):
        """An update adding links to a compute busy for now raises
        ``OCCIBusy`` (the application keeps them pending); once it
        settled they are made."""
        network = self.network(occi)
        compute = self.compute(occi, cloud, settle=False)
        adding = EntityData(model.COMPUTE, [], {}, [
            self.inline(model.NETWORKINTERFACE, network)])
        with pytest.raises(OCCIBusy) as info:
            occi().update(occi().get(model.COMPUTE, compute.id), adding)
        assert info.value.waiting
        cloud.settle()
        occi().update(occi().get(model.COMPUTE, compute.id), adding)
        cloud.settle()
        assert network.location in [
            link.target for link in
            occi().get(model.COMPUTE, compute.id).links]

    def test_a_link_source_may_be_an_absolute_url(self, occi, cloud):
        compute, network = self.compute(occi, cloud), self.network(occi)
        link = occi().create(EntityData(model.NETWORKINTERFACE, [], {
            'occi.core.source': APPLICATION_URL + compute.location,
            'occi.core.target': APPLICATION_URL + network.location}))
        assert occi().get(model.NETWORKINTERFACE, link.id).target == (
            network.location)

    def test_a_link_to_what_is_not_there_is_not_found(self, occi, cloud):
        compute = self.compute(occi, cloud)
        for kind, target in ((model.NETWORKINTERFACE, model.NETWORK),
                             (model.STORAGELINK, model.STORAGE)):
            with pytest.raises(OCCINotFound):
                occi().create(EntityData(kind, [], {
                    'occi.core.source': compute.location,
                    'occi.core.target': target.location + MISSING}))

    def test_a_link_to_the_wrong_kind_is_bad_input(self, occi, cloud):
        compute, storage = self.compute(occi, cloud), self.storage(
            occi, cloud)
        with pytest.raises(OCCIBadRequest):
            self.link(occi, model.NETWORKINTERFACE, compute, storage)

    def test_a_link_is_deleted(self, occi, cloud):
        compute, network = self.compute(occi, cloud), self.network(occi)
        storage = self.storage(occi, cloud)
        links = []
        for kind, target in ((model.NETWORKINTERFACE, network),
                             (model.STORAGELINK, storage)):
            links.append(self.link(occi, kind, compute, target))
            cloud.settle()
        for link in links:
            self.finish_delete(occi, cloud,
                               occi().get(link.kind, link.id))
            assert self.gone(occi, link)
        assert occi().get(model.STORAGE, storage.id).title
        assert occi().get(model.NETWORK, network.id).title
        assert not {link.location for link in links} & {
            child.location for child in
            occi().get(model.COMPUTE, compute.id).links}

    def test_a_storage_linked_to_a_compute_outlives_it(self, occi, cloud):
        compute, storage = self.compute(occi, cloud), self.storage(
            occi, cloud)
        link = self.link(occi, model.STORAGELINK, compute, storage)
        cloud.settle()
        self.finish_delete(occi, cloud, occi().get(model.COMPUTE,
                                                   compute.id))
        assert self.gone(occi, compute)
        assert self.gone(occi, link)
        assert occi().get(model.STORAGE, storage.id).location == (
            storage.location)

    # -- refusals ------------------------------------------------------------

    def test_a_storage_in_use_goes_with_its_link_or_stays(self, occi,
                                                           cloud):
        """A linked storage's delete is refused (409, lasting), or takes
        its link along: never a link left to a storage that is gone."""
        compute, storage = self.compute(occi, cloud), self.storage(
            occi, cloud)
        link = self.link(occi, model.STORAGELINK, compute, storage)
        cloud.settle()
        try:
            outcome = occi().delete(occi().get(model.STORAGE, storage.id))
        except OCCIError as exc:
            assert exc.code == 409 and not isinstance(exc, OCCIBusy)
            assert occi().get(model.STORAGELINK, link.id)
        else:
            self.carry_on(occi, cloud, storage, outcome)
            assert self.gone(occi, storage) and self.gone(occi, link)

    def test_a_storage_in_use_is_not_linked_again(self, occi, cloud):
        first, second = (self.compute(occi, cloud, 'a'),
                         self.compute(occi, cloud, 'b'))
        storage = self.storage(occi, cloud)
        self.link(occi, model.STORAGELINK, first, storage)
        cloud.settle()
        with pytest.raises(OCCIError) as info:
            self.link(occi, model.STORAGELINK, second, storage)
        assert info.value.code == 409
        assert not isinstance(info.value, OCCIBusy)

    def test_a_network_in_use_names_its_computes(self, occi, cloud):
        """A lasting refusal held by other entities names them
        (``held_by``): the application waits when it deletes them all."""
        compute, network = self.compute(occi, cloud), self.network(occi)
        self.link(occi, model.NETWORKINTERFACE, compute, network)
        cloud.settle()
        with pytest.raises(OCCIConflict) as info:
            occi().delete(occi().get(model.NETWORK, network.id))
        assert compute.location in info.value.held_by

    def test_a_compute_without_os_tpl_is_bad_input(self, occi):
        session = occi()
        with pytest.raises(OCCIError) as info:
            session.create(EntityData(model.COMPUTE, [
                self.template(session, model.RESOURCE_TPL)]))
        assert info.value.code == 400

    def test_bad_input_the_cloud_refuses_keeps_its_status(self, occi):
        """What passes the edge but not the cloud: an error carrying the
        client's status (400 here), not a 500."""
        before = occi().locations(model.RESOURCE)
        for data in (
                EntityData(model.STORAGE, [], {'occi.storage.size': -1.0}),
                EntityData(model.NETWORK, [model.IPNETWORK], {
                    'occi.network.address': '10.0.0.0/99'})):
            with pytest.raises(OCCIError) as info:
                occi().create(data)
            assert info.value.code == 400, info.value
        assert occi().locations(model.RESOURCE) == before
