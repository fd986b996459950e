"""Entity locations: the one place a location (absolute URL or path) is
turned back into ``(kind, id)``.

Traversal (:mod:`occi_pyramid.contexts`), the views and the backends all
use it, so a link's target, an inline link and a request path are read the
same way.  No I/O, no Pyramid: the caller gives the server's host, its
mount prefix and the static categories.
"""
from urllib.parse import urlsplit

from . import model


#: the port a scheme implies (a host named with it is the same host)
DEFAULT_PORTS = {'http': '80', 'https': '443'}


def _authority(netloc, scheme):
    """``netloc`` lowercased, without the port ``scheme`` implies."""
    netloc = (netloc or '').lower()
    port = DEFAULT_PORTS.get((scheme or '').lower())
    if port and netloc.endswith(':' + port):
        netloc = netloc[:-len(port) - 1]
    return netloc


def parse_entity_location(location, static, host=None, script_name=''):
    """``(kind, id)`` of an entity location, or ``None`` when it is no
    entity location of this server.

    :param static: the static category registry (Kinds by location)
    :param host: this server's ``host[:port]``; an absolute URL naming
        another host is not ours
    :param script_name: the app's mount prefix (stripped when present)
    """
    if '://' in location:
        parts = urlsplit(location)
        if parts.netloc and host is not None and _authority(
                parts.netloc, parts.scheme) != _authority(host, parts.scheme):
            return None
        path = parts.path
    else:
        path = location
    base = (script_name or '').rstrip('/')
    if base and path.startswith(base + '/'):
        path = path[len(base):]
    head, _, name = path.rstrip('/').rpartition('/')
    kind = static.by_location(head + '/')
    if not name or not isinstance(kind, model.Kind) or kind in (
            model.RESOURCE, model.LINK):
        return None
    return kind, name


def entity_location(request, location):
    """:func:`parse_entity_location` with a request's host, mount prefix
    and categories (for the views)."""
    return parse_entity_location(location, request.categories.static,
                                 request.host, request.script_name)
