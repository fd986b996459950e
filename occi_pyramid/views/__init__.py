"""Views: one class per context type (style.md §3.4)."""


def includeme(config):
    config.scan(__name__)
