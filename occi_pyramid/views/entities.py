"""Entity instances: retrieve, partial update, full update, delete, and
actions (``POST <entity>?action=<term>``, the kind's actions)."""
from pyramid.view import view_config, view_defaults

from ..exceptions import OCCIBadRequest, OCCINotFound
from ..interfaces import IEntityContext
from . import respond
from .errors import PUT_REFUSAL, unknown_action
from .requests import (
    action_parameters, get_entity, replace_data, update_data,
)


@view_defaults(context=IEntityContext, renderer='occi',
               permission='occi')
class EntityViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @property
    def entity(self):
        return get_entity(self.request, self.context.kind, self.context.id)

    # NB: one view for every method and action (views/__init__.py)
    @view_config(request_method=('GET', 'POST', 'PUT', 'DELETE'))
    def answer(self):
        return respond(self, {'GET': self.show, 'HEAD': self.show,
                              'PUT': self.replace, 'DELETE': self.delete},
                       self.update, self.invoke)

    def show(self):
        return self.entity

    def update(self):
        entity = self.entity
        data = update_data(self.request, entity)
        return self.request.occi.update(entity, data)

    def replace(self):
        try:
            entity = self.request.occi.get(self.context.kind, self.context.id)
        except OCCINotFound:
            raise OCCIBadRequest(PUT_REFUSAL % self.context.kind.location)
        data = replace_data(self.request, entity)
        return self.request.occi.replace(entity, data)

    def delete(self):
        self.request.occi.delete(self.entity)
        return None

    # NB: every action goes here (the model's table says which the kind
    # has), not to a view per action
    def invoke(self):
        term = self.request.GET['action']
        action = self.context.kind.action(term)
        if action is None:
            raise unknown_action(self.request, term)
        params = action_parameters(self.request, action)
        return self.request.occi.run_action(self.entity, action, params)
