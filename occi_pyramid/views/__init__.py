"""Views: one class per context type (docs/architecture.md §2).

A class answers every method of its context from one Pyramid view that
dispatches with :func:`respond`: Pyramid tries the views registered for a
context one after the other, and each one whose predicates do not fit
costs an exception (a response built and thrown away), which a view per
method and per POST flavour made every GET pay two or three times.
"""


def respond(views, by_method, post, post_action):
    """Call what answers the request of ``views`` (a view class
    instance): ``by_method[method]``, or for a POST ``post_action`` when
    the request names an action (``?action=``), else ``post``."""
    request = views.request
    if request.method == 'POST':
        # NB: request.params, as Pyramid's request_param predicate reads
        return post_action() if 'action' in request.params else post()
    return by_method[request.method]()


def includeme(config):
    config.scan(__name__)
