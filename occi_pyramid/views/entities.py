"""Entity instances: retrieve, partial update, full update, delete, and
actions (``POST <entity>?action=<term>``, the kind's actions)."""
from pyramid.config import not_
from pyramid.view import view_config, view_defaults

from ..exceptions import OCCIBadRequest, OCCINotFound
from ..interfaces import IEntityContext
from .errors import PUT_REFUSAL, unknown_action
from .requests import action_parameters, entity_data, get_entity


@view_defaults(context=IEntityContext, renderer='occi')
class EntityViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @property
    def entity(self):
        return get_entity(self.request, self.context.kind, self.context.id)

    @view_config(request_method='GET')
    def show(self):
        return self.entity

    @view_config(request_method='POST', request_param=not_('action'))
    def update(self):
        entity = self.entity
        data = entity_data(self.request, self.context.kind, 'update',
                           current=entity)
        return self.request.occi.update(entity, data)

    @view_config(request_method='PUT')
    def replace(self):
        try:
            entity = self.request.occi.get(self.context.kind, self.context.id)
        except OCCINotFound:
            raise OCCIBadRequest(PUT_REFUSAL % self.context.kind.location)
        data = entity_data(self.request, self.context.kind, 'replace',
                           current=entity)
        return self.request.occi.replace(entity, data)

    @view_config(request_method='DELETE')
    def delete(self):
        self.request.occi.delete(self.entity)
        return None

    # NB: one view for every action (the model's table says which the
    # kind has): a view per action made every request on an entity try
    # and fail each of them first, an exception apiece
    @view_config(request_method='POST', request_param='action')
    def invoke(self):
        term = self.request.GET['action']
        action = self.context.kind.action(term)
        if action is None:
            raise unknown_action(self.request, term)
        params = action_parameters(self.request, action)
        return self.request.occi.run_action(self.entity, action, params)
