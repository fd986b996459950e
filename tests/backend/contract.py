"""The OCCI backend contract, as a suite any backend must pass.

A backend is what ``request.occi`` is: an
:class:`~occi_pyramid.interfaces.IOCCISession` per request, taking and
returning OCCI model objects and validated
:class:`~occi_pyramid.model.EntityData` (docs/backends.md).
To check a second backend, subclass :class:`OCCISessionContract` and give
the ``occi`` fixture: a factory of sessions of one user, on an app whose
``occi.backend`` names your backend, starting from an account holding
at least one os_tpl and one resource_tpl.
"""
import pytest
from zope.interface.verify import verifyObject

from occi_pyramid import model
from occi_pyramid.exceptions import OCCIBusy, OCCIError, OCCINotFound
from occi_pyramid.interfaces import IOCCISession
from occi_pyramid.model import EntityData


class OCCISessionContract:
    """Each test takes ``occi``: a callable giving a fresh session (a new
    request) of the same user."""

    # -- helpers ------------------------------------------------------------

    @staticmethod
    def template(session, base):
        for mixin in session.templates():
            if mixin.is_a(base) and getattr(mixin, 'offered', True):
                return mixin
        pytest.fail('the backend offers no %s' % base.term)

    def create_compute(self, occi, title='contract'):
        session = occi()
        data = EntityData(model.COMPUTE, [
            self.template(session, model.OS_TPL),
            self.template(session, model.RESOURCE_TPL)],
            {'occi.core.title': title})
        return session.create(data)

    # -- the interface ------------------------------------------------------

    def test_a_session_provides_the_interface(self, occi):
        assert verifyObject(IOCCISession, occi())

    def test_templates_are_os_and_resource_mixins(self, occi):
        templates = occi().templates()
        assert all(isinstance(m, model.Mixin) for m in templates)
        assert any(m.is_a(model.OS_TPL) for m in templates)
        assert any(m.is_a(model.RESOURCE_TPL) for m in templates)

    def test_create_returns_the_entity_at_its_location(self, occi):
        entity = self.create_compute(occi, 'made')
        assert entity.kind == model.COMPUTE
        assert entity.location == model.COMPUTE.location + entity.id
        assert entity.title == 'made'

    def test_get_returns_what_create_made(self, occi):
        made = self.create_compute(occi)
        got = occi().get(model.COMPUTE, made.id)
        assert (got.kind, got.id, got.location) == (
            made.kind, made.id, made.location)
        assert got.has_category(model.OS_TPL)

    def test_get_of_an_unknown_entity_is_not_found(self, occi):
        for kind in (model.COMPUTE, model.NETWORK, model.STORAGE,
                     model.NETWORKINTERFACE, model.STORAGELINK):
            with pytest.raises(OCCINotFound):
                occi().get(kind, '0')

    def test_list_and_locations_agree(self, occi):
        made = [self.create_compute(occi, 'l%d' % i) for i in range(2)]
        session = occi()
        listed = [e.location for e in session.list(model.COMPUTE)]
        assert listed == occi().locations(model.COMPUTE)
        assert {e.location for e in made} <= set(listed)

    def test_list_of_a_parent_kind_holds_its_sub_kinds(self, occi):
        made = self.create_compute(occi)
        assert made.location in [
            e.location for e in occi().list(model.RESOURCE)]

    def test_update_changes_the_title(self, occi):
        made = self.create_compute(occi)
        session = occi()
        entity = session.get(model.COMPUTE, made.id)
        updated = session.update(entity, EntityData(
            model.COMPUTE, (), {'occi.core.title': 'renamed'}))
        assert updated.title == 'renamed'
        assert occi().get(model.COMPUTE, made.id).title == 'renamed'

    def test_entities_are_plain_model_objects(self, occi):
        made = self.create_compute(occi)
        plain = model.Resource(model.COMPUTE, made.id)
        for entity in [made, occi().get(model.COMPUTE, made.id)] + occi(
                ).list(model.RESOURCE):
            assert set(vars(entity)) <= set(vars(plain)), entity

    def test_an_entity_from_another_session_can_be_changed(self, occi):
        made = self.create_compute(occi)
        entity = occi().get(model.COMPUTE, made.id)
        updated = occi().update(entity, EntityData(
            model.COMPUTE, (), {'occi.core.title': 'elsewhere'}))
        assert updated.title == 'elsewhere'
        occi().delete(entity)
        with pytest.raises(OCCINotFound):
            occi().get(model.COMPUTE, made.id)

    def test_an_action_returns_an_action_result(self, occi):
        made = self.create_compute(occi)
        session = occi()
        entity = session.get(model.COMPUTE, made.id)
        action = entity.actions[0] if entity.actions else model.STOP
        try:
            result = session.run_action(entity, action, {})
        except OCCIError as exc:  # refused in this state: a clear 4xx/501
            assert 400 <= exc.code < 500 or exc.code == 501
        else:
            assert isinstance(result, model.ActionResult)

    def test_delete_makes_the_entity_gone(self, occi):
        made = self.create_compute(occi)
        session = occi()
        session.delete(session.get(model.COMPUTE, made.id))
        with pytest.raises(OCCINotFound):
            occi().get(model.COMPUTE, made.id)
        assert made.location not in occi().locations(model.COMPUTE)

    def test_a_delete_answers_none_or_what_to_resume(self, occi):
        """A delete is done (``None``) or ``Unfinished``; resuming it
        ends (``None``) once the cloud is done, and resuming the delete
        of an entity that is gone is done at once."""
        made = self.create_compute(occi)
        session = occi()
        outcome = session.delete(session.get(model.COMPUTE, made.id))
        assert outcome is None or isinstance(outcome, model.Unfinished)
        for _ in range(50):
            if outcome is None:
                break
            try:
                outcome = occi().resume_delete(model.COMPUTE, made.id,
                                               outcome.resume)
            except OCCIBusy:
                pass
        assert outcome is None
        assert occi().resume_delete(model.COMPUTE, made.id, None) is None

    def test_members_are_what_list_holds(self, occi):
        """What a collection DELETE deletes: the listed entities, by
        kind, id and location (attributes are not needed)."""
        self.create_compute(occi, 'members')
        for kind in (model.COMPUTE, model.RESOURCE, model.LINK):
            members = occi().members(kind)
            assert [(m.kind, m.id, m.location) for m in members] == [
                (e.kind, e.id, e.location) for e in occi().list(kind)]
            assert all(m.source == e.source and m.target == e.target
                       for m, e in zip(members, occi().list(kind))
                       if isinstance(e, model.Link))

    def test_delete_many_reports_nothing_when_all_went(self, occi):
        made = [self.create_compute(occi, 'm%d' % i) for i in range(2)]
        session = occi()
        entities = [session.get(model.COMPUTE, e.id) for e in made]
        assert session.delete_many(entities) == {}
        remaining = occi().locations(model.COMPUTE)
        assert not {e.location for e in made} & set(remaining)
