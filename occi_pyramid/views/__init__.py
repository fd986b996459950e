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
    the query names an action (``?action=``), else ``post``.

    NB: the query only, where OCCI puts it: an ``action`` field of a
    body is no action, and the body gets the answer any body gets (415
    for a form outside the pages, 400 for one that does not parse), not
    a 500 for an action missing from the query.
    """
    request = views.request
    if request.method == 'POST':
        return post_action() if 'action' in request.GET else post()
    return by_method[request.method]()


def includeme(config):
    config.scan(__name__)
