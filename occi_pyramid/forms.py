"""HTML forms as one more input rendering (pure: no Pyramid).

The pages of the ``text/html`` rendering write through plain HTML forms,
``application/x-www-form-urlencoded`` bodies; this module turns such a
body, or a page's query string, into the same uncoerced cstruct the
text/plain parser produces, so the views handle a browser's writes,
actions and filters exactly as an OCCI client's.

The fields a form may carry:

* ``category`` (repeated): a type identifier, ``scheme#term``;
* ``attr.<name>``: the value of attribute ``<name>`` (left out when
  empty, as an optional field left blank);
* ``attribute`` and ``value``: one attribute filter picked from a list;
* ``location`` (repeated): an entity location (mixin (dis)association);
* ``_csrf`` and ``_method``: the CSRF token and a method override, read
  by :mod:`occi_pyramid.browser` before the view runs.

Any other field is a 400 naming it.
"""
from urllib.parse import parse_qsl

from .exceptions import OCCIParseError
from .parsers import (
    category_cstruct, check_attribute_name, decode, empty_cstruct,
    parse_location, split_type_id,
)

FORM = 'application/x-www-form-urlencoded'
#: the environ key :mod:`occi_pyramid.browser` sets on a form whose CSRF
#: token it checked: only such a body is read as a form
CHECKED_FORM = 'occi_pyramid.checked_form'
#: the form fields consumed before parsing (CSRF token, method override)
CONTROL_FIELDS = ('_csrf', '_method')
#: query parameters the views read themselves (pagination, actions) and
#: the pages' own (the delete confirmation)
QUERY_FIELDS = ('page', 'number', 'action', 'confirm')
ATTRIBUTE_PREFIX = 'attr.'


def form_cstruct(pairs, ignore=CONTROL_FIELDS):
    """The cstruct of decoded ``(name, value)`` form pairs.

    :raises OCCIParseError: for an unknown field or a malformed value
    """
    cstruct = empty_cstruct()
    filter_name = filter_value = None
    for name, value in pairs:
        where = 'form field %r' % name
        value = value.strip()
        if name in ignore:
            continue
        if name == 'category':
            if value:
                scheme, term = split_type_id(value, where)
                entry = category_cstruct(term, scheme)
                if entry not in cstruct['categories']:
                    cstruct['categories'].append(entry)
        elif name.startswith(ATTRIBUTE_PREFIX):
            attribute = name[len(ATTRIBUTE_PREFIX):]
            check_attribute_name(attribute, where)
            if value:
                cstruct['attributes'][attribute] = value
        elif name == 'attribute':
            filter_name = value
        elif name == 'value':
            filter_value = value
        elif name == 'location':
            if value:
                cstruct['locations'].append(parse_location(value, where))
        else:
            raise OCCIParseError(
                '%s is not a field this server reads (category, attr.<name>,'
                ' attribute and value, location)' % where)
    if filter_name:
        check_attribute_name(filter_name, 'form field \'attribute\'')
        if filter_value:
            cstruct['attributes'][filter_name] = filter_value
    return cstruct


def parse_pairs(text):
    """``name=value&…`` → decoded pairs (blank values kept)."""
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False,
                         errors='strict')
    except UnicodeDecodeError as error:
        raise OCCIParseError('the form is not valid UTF-8: %s' % error)


class FormParser:
    """``application/x-www-form-urlencoded``: an HTML form's body."""

    def parse(self, body, headers=None, charset='utf-8'):
        return form_cstruct(parse_pairs(decode(body, charset or 'utf-8')))


def query_cstruct(query_string):
    """The filters of a page's query string (its ``category``,
    ``attribute``/``value`` and ``attr.<name>`` parameters); the
    parameters the views read themselves are left to them."""
    return form_cstruct(parse_pairs(query_string),
                        ignore=CONTROL_FIELDS + QUERY_FIELDS)


def browser_cstruct(request, html):
    """The cstruct of a browser's request, or ``None`` for any other.

    A checked form's body is read as a form; a page's query string
    carries the filters of a ``GET`` answered in HTML (``html``).  OCCI
    clients' requests are neither: their body goes to
    :func:`occi_pyramid.parsers.parse_request` as before.
    """
    if request.environ.get(CHECKED_FORM):
        return FormParser().parse(request.body, request.headers,
                                  request.charset)
    if html and request.method == 'GET' and request.query_string:
        return query_cstruct(request.query_string)
    return None
