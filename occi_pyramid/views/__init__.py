"""Views: one class per context type (docs/architecture.md §2)."""
from .. import model


def includeme(config):
    from .collections import add_collection_action_views
    from .entities import add_action_views

    config.scan(__name__)
    add_action_views(config, model.KINDS)
    add_collection_action_views(config, model.KINDS)
