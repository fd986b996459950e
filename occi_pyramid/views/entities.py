"""Entity instances: retrieve, partial update, full update, delete, and
actions (registered per Kind in :func:`add_action_views`)."""
from pyramid.config import not_
from pyramid.view import view_config, view_defaults

from ..contexts import kind_interface
from ..exceptions import OCCIBadRequest, OCCINotFound
from ..interfaces import IEntityContext
from .errors import PUT_REFUSAL
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


class ActionViews:
    """``POST <entity>?action=<term>``: one view per action of a Kind."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def invoke(self):
        term = self.request.GET['action']
        action = self.context.kind.action(term)
        params = action_parameters(self.request, action)
        entity = get_entity(self.request, self.context.kind, self.context.id)
        return self.request.occi.run_action(entity, action, params)


def add_action_views(config, kinds):
    """Register the action views of ``kinds`` (their actions come from the
    model, so they are added imperatively: Kotti's type_info pattern)."""
    for kind in kinds:
        for action in kind.actions:
            config.add_view(
                ActionViews, attr='invoke', context=kind_interface(kind),
                request_method='POST', request_param='action=' + action.term,
                renderer='occi')
