"""The OCCI model (pure Python: imports neither Pyramid nor kamaki)."""
from .core import (  # noqa: F401
    CORE_ATTRIBUTE_NAMES, CORE_SCHEME, ENTITY, LINK, RESOURCE, TERM_RE,
    TERM_RE_12, Action, ActionResult, AttributeDef, Category,
    CategoryCollection, Collection, Entity, EntityData, Kind, Link,
    LinkData, Mixin, Resource, Unfinished, attribute_map, make_term,
)
from .infrastructure import *  # noqa: F401,F403
from . import core, infrastructure

CORE_KINDS = [core.ENTITY, core.RESOURCE, core.LINK]


def static_categories():
    """Every static kind, mixin and action, kinds first."""
    kinds = CORE_KINDS + infrastructure.KINDS
    mixins = list(infrastructure.MIXINS)
    actions = []
    for category in kinds + mixins:
        for action in category.actions:
            if action not in actions:
                actions.append(action)
    return kinds + mixins + actions
