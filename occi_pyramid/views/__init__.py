"""Views: one class per context type (docs/architecture.md §2)."""


def includeme(config):
    config.scan(__name__)
