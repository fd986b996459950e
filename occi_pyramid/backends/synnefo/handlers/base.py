"""What every kind's handler shares: the id check, the record of a
resource, the ends of a link, and the answers for what Synnefo cannot do.
"""
from .... import model
from ....exceptions import (
    BackendNotFound, OCCIBadRequest, OCCIBusy, OCCIConflict, OCCIError,
    OCCINotFound, OCCINotImplemented,
)
from .. import translate

#: Synnefo ids are positive 64-bit integers
MAX_ID = 2 ** 63 - 1


def digits(id, kind):
    """Synnefo ids are positive integers written without leading zeros:
    anything else is not ours (404, without asking the cloud)."""
    text = str(id)
    if not (text.isdigit() and text.isascii()) or text != str(int(text)) \
            or not 0 < int(text) <= MAX_ID:
        raise OCCINotFound('There is no %s %s.' % (kind.term, id))
    return text


def linkable(server):
    """409 when the compute cannot take a link now: a state conflict
    (Synnefo itself answers 400 or 409 depending on the state);
    :class:`OCCIBusy` when it is only busy for now (built, or running a
    task), so that the link may wait (docs/decisions.md)."""
    reason = translate.busy_reason(server)
    if reason and translate.is_busy(server):
        raise OCCIBusy('No link can be made now: %s' % reason,
                       waiting=translate.waiting_for(server))
    if reason:
        raise OCCIConflict('No link can be made now: %s' % reason)


def refuse_changes(entity, data, names):
    """400 when ``data`` changes one of ``names``: Synnefo cannot."""
    for name in names:
        value = data.get(name)
        if value is not None and value != entity.attributes.get(name):
            raise OCCIBadRequest(
                '%s cannot change on Synnefo once the %s exists.' % (
                    name, entity.kind.term))


class Handler:
    """The Synnefo work behind the OCCI verbs on one kind, with the
    session's operations."""

    kind = None
    #: the listings ``list()`` reads, fetched together beforehand
    needs = ()

    def __init__(self, ops):
        #: the session's operations (:class:`..operations.SynnefoOperations`)
        self.ops = ops
        self.cloud = ops.cloud

    def listing(self, name):
        return self.ops.listing(name)

    def locations(self):
        """The locations of ``list()``, in its order (a kind whose cloud
        has a cheaper listing says so)."""
        self.ops.prefetch(self.needs)
        return [entity.location for entity in self.list()]

    @property
    def member_needs(self):
        """The listings ``members()`` reads (a kind that makes its members
        from less says which)."""
        return self.needs

    def members(self):
        """The entities of ``list()``, made only as far as a delete needs
        them (IOCCISession.members); all of them by default."""
        return self.list()

    def not_found(self, id):
        return OCCINotFound('There is no %s %s.' % (self.kind.term, id))

    def remember(self, entity, record):
        """Keep the cloud record ``entity`` was made from, for this
        session: model objects carry no backend data."""
        self.ops.records[entity.location] = record
        return entity

    def record_of(self, entity):
        """The cloud record ``entity`` was made from in this session; one
        made elsewhere is read again (404 when it is gone)."""
        record = self.ops.records.get(entity.location)
        if record is None:
            self.get(entity.id)
            record = self.ops.records[entity.location]
        return record

    def update(self, entity, data, replace=False):
        raise OCCIBadRequest(
            'A %s cannot be changed on Synnefo; delete it and create a new '
            'one.' % self.kind.term)

    def replace(self, entity, data):
        return self.update(entity, data, replace=True)

    def run_action(self, entity, action, params):
        raise OCCINotImplemented('%s is not available on Synnefo.'
                                 % action.term)

    def resume_delete(self, id, resume):
        """Carry on a delete (IOCCISession.resume_delete): by default the
        delete again; an entity gone already is done."""
        try:
            entity = self.get(id)
        except OCCINotFound:
            return None
        return self.delete(entity)


class ResourceHandler(Handler):
    """A kind whose entities are single cloud records; subclasses say how
    to ``fetch(id, session)`` one (BackendNotFound when the cloud has
    none)."""

    #: whether a cloud record is no entity any more
    gone = staticmethod(translate.is_deleted)

    def record(self, id, session=None):
        """The cloud's record of a live entity, else 404 (``session``: a
        backend session of its own, for calls made in parallel)."""
        try:
            record = self.fetch(digits(id, self.kind),
                                session or self.cloud)
        except BackendNotFound:
            raise self.not_found(id)
        if self.gone(record):
            raise OCCINotFound('The %s %s has been deleted.' % (
                self.kind.term, id))
        return record


class LinkHandler(Handler):
    target_kind = None

    def create(self, data):
        """A link from validated data: the one that exists already
        between the same compute and target, else a new one (409, or
        :class:`OCCIBusy`, when the compute cannot take it now)."""
        server, target_id = self.ends(data)
        found = self.existing(server, target_id, data)
        if found is not None:
            found.existed = True
            return found
        linkable(server)
        try:
            return self.make(server, target_id, data)
        except OCCIError as exc:
            if isinstance(exc, OCCIBusy) or exc.code not in (400, 409):
                raise
            # NB: the cloud refused a compute its record showed settled:
            # if it is busy now (a task started meanwhile), the link waits
            fresh = self.ops.handler(model.COMPUTE).record(server['id'])
            if not translate.is_busy(fresh):
                raise
            raise OCCIBusy('No link can be made now: %s'
                           % translate.busy_reason(fresh),
                           waiting=translate.waiting_for(fresh)) from exc

    def existing(self, server, target_id, data):
        """The link of ``server`` to ``target_id`` that ``data`` would
        make, if there is one (creating a link twice answers the first:
        docs/decisions.md), else ``None``."""
        return None

    def ends(self, data):
        """The source compute record and the target id of a link create."""
        source = data.get('occi.core.source')
        target = data.get('occi.core.target')
        for name, value in (('occi.core.source', source),
                            ('occi.core.target', target)):
            if not value:
                raise OCCIBadRequest('A %s needs %s.' % (self.kind.term,
                                                         name))
        server = self.ops.resolve(source, model.COMPUTE, 'source')
        return server, self.target_of(target)

    def target_of(self, location):
        """What a link create's target location names: the id of an
        entity of ``target_kind``."""
        return self.ops.resolve(location, self.target_kind, 'target')
