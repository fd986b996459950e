"""Turn model locations into the paths and URLs the renderings emit.

The model holds locations relative to the application root (``/compute/``,
``/compute/42``).  Behind a mount prefix (``SCRIPT_NAME = /okeanos``) the
client must see ``/okeanos/compute/42``; some structures want the absolute
URL ``http://host/okeanos/compute/42`` (GFD.185 locations; docs/specs.md, ambiguity 2).
"""
import re

#: anything with a URI scheme (``http://…``, ``urn:…``) is already absolute
_ABSOLUTE_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:')


def is_absolute(location):
    """True when ``location`` carries a URI scheme."""
    return bool(_ABSOLUTE_RE.match(location))


class URLs:
    """Paths and URLs for one request.

    :param application_url: the URL of the application root *including*
        the mount prefix, as WebOb's ``request.application_url`` gives it
        (``http://host/okeanos``)
    :param script_name: the mount prefix (``/okeanos``; empty when the
        application is mounted at the root)
    """

    def __init__(self, application_url, script_name=''):
        script_name = (script_name or '').rstrip('/')
        application_url = application_url.rstrip('/')
        if script_name and application_url.endswith(script_name):
            host_url = application_url[:-len(script_name)]
        else:
            host_url = application_url
        self.host_url = host_url
        self.script_name = script_name

    @classmethod
    def from_request(cls, request):
        """Build from anything with WebOb's ``application_url`` and
        ``script_name`` attributes."""
        return cls(request.application_url, request.script_name)

    def path(self, location):
        """The absolute path of ``location`` (mount prefix included).

        Absolute URLs pass through unchanged; ``None`` stays ``None``.
        """
        if location is None or is_absolute(location):
            return location
        if not location.startswith('/'):
            location = '/' + location
        return self.script_name + location

    def url(self, location):
        """The absolute URL of ``location``; absolute URLs pass through."""
        if location is None or is_absolute(location):
            return location
        return self.host_url + self.path(location)

    def __repr__(self):
        return '<URLs %s%s>' % (self.host_url, self.script_name)
