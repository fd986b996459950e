"""The OCCI operations of one request, on a Synnefo cloud.

:class:`SynnefoOCCI` (``request.occi``) turns OCCI verbs into calls on the
request's plain :class:`~occi_pyramid.interfaces.IBackendSession`
(``request.backend``) and translates the answers with :mod:`.translate`.
One handler class per Kind does the Synnefo-specific work.
"""
import base64
import binascii
import logging

from pyramid.decorator import reify
from zope.interface import implementer

from ... import model
from ...exceptions import (
    BackendBadRequest, BackendConflict, BackendNotFound, OCCIBadRequest,
    OCCIConflict, OCCINotFound, OCCINotImplemented,
)
from ...interfaces import IOCCISession
from ...model import ActionResult
from . import translate

log = logging.getLogger(__name__)


def _int_id(id, kind):
    """Synnefo server ids are integers: anything else is not ours (404)."""
    if not str(id).isdigit():
        raise OCCINotFound('There is no %s %s.' % (kind.term, id))
    return int(id)


class ComputeHandler:
    """Compute = Synnefo server."""

    kind = model.COMPUTE

    def __init__(self, occi):
        self.occi = occi
        self.cloud = occi.cloud

    # -- reading -------------------------------------------------------

    def flavors(self):
        return {f['id']: f for f in self.cloud.list_flavors()}

    def images(self):
        return {i['id']: i for i in self.cloud.list_images()}

    def entity(self, server, flavors=None, images=None):
        entity = translate.compute(
            server, flavors if flavors is not None else self.flavors(),
            images if images is not None else self.images())
        summary = (server.get('metadata') or {}).get(SUMMARY_KEY)
        if summary:
            entity.summary = summary
        entity.record = server
        return entity

    def list(self):
        servers = self.cloud.list_servers()
        flavors, images = self.flavors(), self.images()
        return [self.entity(s, flavors, images) for s in servers
                if not translate.is_deleted(s)]

    def get(self, id):
        server_id = _int_id(id, self.kind)
        try:
            server = self.cloud.get_server(server_id)
        except BackendNotFound:
            raise OCCINotFound('There is no compute %s.' % id)
        if translate.is_deleted(server):
            raise OCCINotFound('The compute %s has been deleted.' % id)
        return self.entity(server)

    # -- creating ------------------------------------------------------

    def _template(self, data, base, setting):
        """The template mixin given, else the configured default."""
        mixin = data.template(base)
        if mixin is not None:
            return mixin
        default = self.occi.settings.get(setting) or ''
        if not default:
            return None
        for category in self.occi.request.categories.all.mixins:
            if category.is_a(base) and category is not base and (
                    default in (category.term, category.type_id)):
                return category
        raise OCCIBadRequest(
            'The default %s %r named in the server settings is not offered '
            'by the cloud.' % (base.term, default))

    def _flavor_id(self, data, flavors):
        mixin = self._template(data, model.RESOURCE_TPL,
                               'occi.default_resource_tpl')
        if mixin is not None:
            return translate.flavor_id_of(mixin.term)
        cores = data.get('occi.compute.cores')
        memory = data.get('occi.compute.memory')
        if cores is None and memory is None:
            raise OCCIBadRequest(
                'No resource_tpl mixin was given (and occi.compute.cores / '
                'occi.compute.memory neither): name one of the resource_tpl '
                'mixins listed at /-/.')
        flavor = translate.flavor_for(flavors.values(), cores, memory)
        if flavor is None:
            raise OCCIBadRequest(
                'No flavor of the cloud has %s cores and %s GiB of memory.'
                % (cores if cores is not None else 'any',
                   memory if memory is not None else 'any'))
        return flavor['id']

    def create(self, data):
        os_tpl = self._template(data, model.OS_TPL, 'occi.default_os_tpl')
        if os_tpl is None:
            raise OCCIBadRequest(
                'No os_tpl mixin was given: name one of the os_tpl mixins '
                'listed at /-/ (http://schemas.ogf.org/occi/infrastructure#'
                'os_tpl).')
        image_id = translate.image_id_of(os_tpl.term)
        flavors = self.flavors()
        flavor_id = self._flavor_id(data, flavors)
        images = self.images()
        name = (data.get('occi.core.title') or data.get(
            'occi.compute.hostname') or 'occi-compute')
        user_data = data.get('occi.compute.userdata') or data.get(
            'org.openstack.compute.user_data')
        if user_data:
            _check_base64(user_data)
        public_key = data.get('occi.credentials.ssh.publickey') or data.get(
            'org.openstack.credentials.publickey.data')
        personality = translate.personality(
            user_data, public_key,
            translate.image_users(images.get(image_id)), name) or None
        metadata = {}
        if data.get('occi.core.summary'):
            metadata[SUMMARY_KEY] = data.get('occi.core.summary')
        server = self.cloud.create_server(
            name, flavor_id, image_id, networks=self.occi.networks_for(data),
            personality=personality, metadata=metadata or None)
        return self.entity(server, flavors, images)

    # -- updating ------------------------------------------------------

    def update(self, entity, data, replace=False):
        server = entity.record
        server_id = server['id']
        os_tpl = data.template(model.OS_TPL)
        if os_tpl is not None and os_tpl not in entity.mixins:
            raise OCCIBadRequest(
                'The os_tpl of a compute cannot be replaced on Synnefo; '
                'create a new compute from %s instead.' % os_tpl.type_id)
        title = data.get('occi.core.title')
        if title is not None and title != server.get('name'):
            self.cloud.rename_server(server_id, title)
        hostname = data.get('occi.compute.hostname')
        if hostname is not None and hostname != entity.attributes.get(
                'occi.compute.hostname'):
            raise OCCIBadRequest(
                'occi.compute.hostname cannot change on Synnefo: the cloud '
                'names its hosts (%s).' % entity.attributes.get(
                    'occi.compute.hostname'))
        self._update_summary(entity, data, replace)
        self._resize(entity, data)
        return self.get(server_id)

    def _update_summary(self, entity, data, replace):
        server_id = entity.record['id']
        summary = data.get('occi.core.summary')
        if summary is not None and summary != entity.summary:
            self.cloud.update_server_metadata(server_id,
                                              {SUMMARY_KEY: summary})
        elif replace and summary is None and entity.summary is not None:
            self.cloud.delete_server_metadata(server_id, SUMMARY_KEY)

    def _resize(self, entity, data):
        """A different resource_tpl (or other cores/memory) resizes."""
        server = entity.record
        current = (server.get('flavor') or {}).get('id')
        mixin = data.template(model.RESOURCE_TPL)
        if mixin is not None:
            flavor_id = translate.flavor_id_of(mixin.term)
        else:
            cores = data.get('occi.compute.cores')
            memory = data.get('occi.compute.memory')
            if (cores is None or cores == entity.attributes.get(
                    'occi.compute.cores')) and (
                    memory is None or memory == entity.attributes.get(
                        'occi.compute.memory')):
                return
            flavors = self.flavors()
            flavor = translate.flavor_for(
                [f for f in flavors.values()
                 if f['disk'] == flavors.get(current, {}).get('disk')],
                cores, memory)
            if flavor is None:
                raise OCCIBadRequest(
                    'No flavor of the cloud with the same disk has %s cores '
                    'and %s GiB of memory.' % (cores, memory))
            flavor_id = flavor['id']
        if flavor_id == current:
            return
        if server.get('status') != 'STOPPED':
            raise OCCIConflict(
                'The compute %s must be stopped (it is %s) before its '
                'resource template changes: POST ?action=stop first.' % (
                    server['id'], entity.attributes['occi.compute.state']))
        try:
            self.cloud.resize_server(server['id'], flavor_id)
        except BackendBadRequest as exc:
            raise OCCIBadRequest('The cloud refused the resize: %s'
                                 % exc.message)

    def replace(self, entity, data):
        return self.update(entity, data, replace=True)

    # -- deleting and actions -------------------------------------------

    def delete(self, entity):
        try:
            self.cloud.delete_server(entity.record['id'])
        except BackendNotFound:
            raise OCCINotFound('There is no compute %s.' % entity.id)

    def run_action(self, entity, action, params):
        server = entity.record
        if action == model.SAVE:
            raise OCCINotImplemented(
                'Synnefo cannot save a running compute as a new image '
                '(its compute API answers createImage with 501).')
        refusal = translate.action_refusal(server, action)
        if refusal:
            raise OCCIConflict(refusal)
        server_id = server['id']
        try:
            if action == model.START:
                self.cloud.start_server(server_id)
            elif action in (model.STOP, model.SUSPEND):
                # NB: Synnefo has no user-level suspend; suspend shuts the
                # VM down keeping its disks (docs/decisions.md)
                self.cloud.shutdown_server(server_id)
            elif action == model.RESTART:
                self.cloud.reboot_server(server_id,
                                         hard=params.get('method') == 'cold')
        except (BackendBadRequest, BackendConflict) as exc:
            raise OCCIConflict(exc.message)
        return ActionResult()


#: server metadata key holding occi.core.summary
SUMMARY_KEY = 'occi.core.summary'


def _check_base64(text):
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise OCCIBadRequest(
            'The user data must be base64-encoded (occi.compute.userdata).')


@implementer(IOCCISession)
class SynnefoOCCI:
    """``request.occi``: OCCI verbs over the request's backend session."""

    handlers = {model.COMPUTE.type_id: ComputeHandler}

    def __init__(self, request):
        self.request = request
        self.settings = request.registry.settings

    @reify
    def cloud(self):
        return self.request.backend

    def handler(self, kind):
        factory = self.handlers.get(kind.type_id)
        if factory is None:
            raise OCCINotImplemented('%s entities are not served yet.'
                                     % kind.term)
        return factory(self)

    def concrete_kinds(self, kind):
        """The served kinds that are ``kind`` or below it."""
        return [
            k for k in model.KINDS
            if k.is_a(kind) and k.type_id in self.handlers
        ]

    @reify
    def extensions(self):
        return getattr(self.request.registry, 'occi_entity_extensions', ())

    def _decorated(self, entities):
        for extension in self.extensions:
            extension.decorate(self.request, entities)
        return entities

    # -- IOCCISession ----------------------------------------------------

    def templates(self):
        return translate.templates(self.cloud.list_images(),
                                   self.cloud.list_flavors())

    def list(self, kind):
        if kind.type_id in self.handlers:
            return self._decorated(self.handler(kind).list())
        entities = []
        for concrete in self.concrete_kinds(kind):
            entities.extend(self.handler(concrete).list())
        return self._decorated(entities)

    def get(self, kind, id):
        return self._decorated([self.handler(kind).get(id)])[0]

    def create(self, data):
        entity = self.handler(data.kind).create(data)
        for extension in self.extensions:
            extension.created(self.request, entity, data)
        return self._decorated([entity])[0]

    def update(self, entity, data):
        return self._updated(
            self.handler(entity.kind).update(entity, data), data, False)

    def replace(self, entity, data):
        return self._updated(
            self.handler(entity.kind).replace(entity, data), data, True)

    def _updated(self, entity, data, replace):
        for extension in self.extensions:
            extension.updated(self.request, entity, data, replace)
        return self._decorated([entity])[0]

    def delete(self, entity):
        self.handler(entity.kind).delete(entity)
        for extension in self.extensions:
            extension.deleted(self.request, entity)

    def run_action(self, entity, action, attributes):
        return self.handler(entity.kind).run_action(entity, action,
                                                    attributes)

    def networks_for(self, data):
        """The ``networks`` of a server create: ``None`` (the cloud's
        default policy) until links name networks."""
        return None


def template_source(request):
    """Category source: the caller's os_tpl and resource_tpl mixins."""
    if not request.auth_token:
        return []
    return request.occi.templates()


def includeme(config):
    config.add_request_method(SynnefoOCCI, 'occi', reify=True)
    config.add_occi_category_source(template_source)
