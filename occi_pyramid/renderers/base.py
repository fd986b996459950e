"""What every rendering returns, and the shape every rendering has."""
import abc
from functools import singledispatchmethod

from .urls import URLs


class Rendered:
    """The rendering of one model object, ready for an HTTP response.

    :ivar headers: ``(name, value)`` pairs to add to the response
    :ivar body: the response body (``str``)
    :ivar content_type: the media type, without parameters
    :ivar charset: how to encode ``body``
    """

    __slots__ = ('headers', 'body', 'content_type', 'charset')

    def __init__(self, body='', content_type='text/plain', headers=(),
                 charset='utf-8'):
        self.body = body
        self.content_type = content_type
        self.headers = list(headers)
        self.charset = charset

    def __eq__(self, other):
        return isinstance(other, Rendered) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__
        )

    def __repr__(self):
        return '<Rendered %s headers=%r body=%r>' % (
            self.content_type, self.headers, self.body,
        )


class Rendering(abc.ABC):
    """Base of the four renderings: one class per media type.

    Subclasses implement ``render(obj) -> Rendered`` (a
    :class:`dispatchmethod` over the model types) and
    ``render_error(code, message) -> Rendered``.

    :param urls: a :class:`~occi_pyramid.renderers.urls.URLs` (a string is
        taken as the application URL, mounted at the root)
    :param media_type: the media type to announce, when the class serves
        more than one (``text/occi+plain``)
    :param version: the OCCI version the client speaks (``'1.1'``,
        ``'1.2'``), ``None`` when it did not say (rendered as 1.2)
    """

    #: the media types this rendering serves, the preferred one first
    media_types = ()

    def __init__(self, urls, media_type=None, version=None):
        if isinstance(urls, str):
            urls = URLs(urls)
        if media_type is None:
            media_type = self.media_types[0]
        elif media_type not in self.media_types:
            raise ValueError('%s does not serve %s' % (
                type(self).__name__, media_type))
        self.urls = urls
        self.media_type = media_type
        self.version = version

    def rendered(self, body='', headers=()):
        return Rendered(body, self.media_type, headers)

    @abc.abstractmethod
    def render(self, obj):
        """The :class:`Rendered` form of a model object."""

    def render_error(self, code, message):
        """The body and headers of an error answer (text/plain default)."""
        return Rendered(message + '\n', 'text/plain')


class dispatchmethod(singledispatchmethod):
    """``functools.singledispatchmethod`` (the same ``register``), bound
    cheaply: on Python 3.11 every attribute access built a new function
    and ran ``functools.update_wrapper`` on it, which a rendering paid
    once per entity, link and category it renders.  Here an access
    returns a closure that dispatches on its first argument's class.

    The registered implementations are plain functions (what the
    renderings register), called with the instance first.
    """

    def __get__(self, obj, cls=None):
        if obj is None:
            return super().__get__(obj, cls)
        dispatch = self.dispatcher.dispatch

        def method(arg, *args, **kwargs):
            return dispatch(arg.__class__)(obj, arg, *args, **kwargs)
        return method


def cannot_render(rendering, obj):
    """The error for a model type a rendering does not know."""
    return TypeError('%s cannot render %s' % (
        type(rendering).__name__, type(obj).__name__))


def carried_by(result):
    """What an :class:`ActionResult` carries: its entity, else its category
    (``None`` when it carries neither)."""
    if result.entity is not None:
        return result.entity
    return result.category
