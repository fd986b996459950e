"""Locations a client gives: the one reader of them.

A client names a location (a Link's target or source, an X-OCCI-Location,
a user mixin's location, a JSON ``location``) by an absolute URL on this
server or by a path.  :func:`local_path` turns either into the path below
the application root, or says the URL is another server's;
:func:`parse_entity_location` reads an entity's ``(kind, id)`` from it.
Traversal (:mod:`occi_pyramid.contexts`), the views, the wrappers and the
backends all use them, so every location is read the same way.  No I/O,
no Pyramid: the caller gives the server's host, its mount prefix and the
static categories.
"""
from urllib.parse import urlsplit, urlunsplit

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


def local_path(location, host=None, script_name=''):
    """``(path, rest)``: the path of ``location`` below the application
    root and what followed it (an absolute URL's query and fragment,
    ``?a#b``; empty for a path), or ``None`` when ``location`` is an
    absolute URL on another server.

    An absolute URL is on this server when its host and port are this
    server's, a port being the same as none where the URL's scheme implies
    it (``http://host:80/x`` is ``http://host/x``, RFC 3986 6.2.3).  A
    path is taken as it is (``tags/vip/`` stays relative).  The mount
    prefix is stripped from either when present.

    :param host: this server's ``host[:port]``; ``None`` takes any host
    :param script_name: the application's mount prefix
    """
    rest = ''
    if '://' in location:
        parts = urlsplit(location)
        if parts.netloc and host is not None and _authority(
                parts.netloc, parts.scheme) != _authority(host, parts.scheme):
            return None
        path = parts.path
        rest = urlunsplit(('', '', '', parts.query, parts.fragment))
    else:
        path = location
    base = (script_name or '').rstrip('/')
    if base and path.startswith(base + '/'):
        path = path[len(base):]
    return path, rest


def parse_entity_location(location, static, host=None, script_name=''):
    """``(kind, id)`` of an entity location, or ``None`` when it is no
    entity location of this server (:func:`local_path`).

    :param static: the static category registry (Kinds by location)
    :param host: this server's ``host[:port]``; an absolute URL naming
        another host is not ours
    :param script_name: the app's mount prefix (stripped when present)
    """
    found = local_path(location, host, script_name)
    if found is None:
        return None
    head, _, name = found[0].rstrip('/').rpartition('/')
    kind = static.by_location(head + '/')
    if not name or not isinstance(kind, model.Kind) or kind in (
            model.RESOURCE, model.LINK):
        return None
    return kind, name


def request_path(request, location):
    """:func:`local_path` with a request's host and mount prefix (for the
    views)."""
    return local_path(location, request.host, request.script_name)


def entity_location(request, location):
    """:func:`parse_entity_location` with a request's host, mount prefix
    and categories (for the views)."""
    return parse_entity_location(location, request.categories.static,
                                 request.host, request.script_name)
