"""Request bodies and headers → one plain cstruct (GFD.185, GFD.229, GFD.226).

Three parsers, one output shape, values never coerced (text values stay
strings, JSON values keep their JSON types; colander coerces later)::

    {'categories': [{'term', 'scheme', 'class', 'title', 'rel', 'location',
                     'attributes', 'actions', 'applies'}],
     'attributes': {name: value},
     'links': [{'target', 'rel', 'self', 'categories', 'attributes'}],
     'locations': [str],
     'entities': [<a nested cstruct of the same shape>]}

Every grammar failure raises :class:`OCCIParseError` (400) with a message
naming the header or body line and what is wrong.  No Pyramid here.
"""
import json
import re
from collections.abc import Mapping

from .exceptions import (
    OCCIParseError, OCCIRequestTooLarge, OCCIUnsupportedMediaType,
)
from .model.core import CORE_SCHEME, SCHEME_RE, TERM_RE_12

CATEGORY = 'Category'
LINK = 'Link'
ATTRIBUTE = 'X-OCCI-Attribute'
LOCATION = 'X-OCCI-Location'

#: header and line names (lower case) → the structure they carry; rOCCI 5
#: spells them X-OCCI-Category, X-OCCI-Link and Location (rOCCI-core 5's text parser)
STRUCTURE_NAMES = {
    'category': CATEGORY,
    'x-occi-category': CATEGORY,
    'link': LINK,
    'x-occi-link': LINK,
    'x-occi-attribute': ATTRIBUTE,
    'x-occi-location': LOCATION,
    'location': LOCATION,
}

PLAIN_TYPES = ('text/plain', 'text/occi+plain')
HEADER_TYPES = ('text/occi',)
JSON_TYPES = ('application/occi+json', 'application/json')
URI_LIST_TYPES = ('text/uri-list',)
#: every request media type :func:`parse_request` understands
MEDIA_TYPES = PLAIN_TYPES + HEADER_TYPES + JSON_TYPES + URI_LIST_TYPES

CLASSES = ('kind', 'mixin', 'action')
#: ``(scheme, term)`` of the root Kind, which has no parent
ENTITY_KIND = (CORE_SCHEME, 'entity')
#: 1.2-Text attribute names (action parameters such as ``method`` too)
ATTRIBUTE_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
#: a body line: ``Name: value``
LINE_RE = re.compile(r'^([A-Za-z0-9][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*)$')
#: an unquoted value: a token without blanks, quotes, ``;`` or ``,``
BARE_RE = re.compile(r'^[^\s";,]+$')
#: one ``name`` or ``name{prop prop}`` in a Category ``attributes``
DEFINITION_RE = re.compile(r'([^\s{}]+)(?:\{([^}]*)\})?')
ESCAPES = {'n': '\n', 'r': '\r', 't': '\t'}


def empty_cstruct():
    """The cstruct of a request that carries nothing."""
    return {
        'categories': [], 'attributes': {}, 'links': [], 'locations': [],
        'entities': [],
    }


def category_cstruct(term, scheme, class_=None, title=None, rel=(),
                     location=None, attributes=(), actions=(), applies=(),
                     defaults=None):
    """One entry of ``cstruct['categories']`` (``defaults``: the
    attribute defaults an OCCI 1.2 JSON definition gives)."""
    return {
        'term': term, 'scheme': scheme, 'class': class_, 'title': title,
        'rel': list(rel), 'location': location,
        'attributes': list(attributes), 'actions': list(actions),
        'applies': list(applies), 'defaults': dict(defaults or {}),
    }


def _short(text, limit=120):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + '…'


def _fail(where, problem):
    raise OCCIParseError('%s: %s' % (where, problem))


def check_term(term, where):
    """Raise unless ``term`` follows the OCCI 1.2 term grammar."""
    if not isinstance(term, str) or not TERM_RE_12.match(term):
        _fail(where, 'term %r does not follow the OCCI grammar (a letter or '
                     'digit, then letters, digits, "-", "_" or ".")'
                     % (term,))


def check_scheme(scheme, where):
    """Raise unless ``scheme`` is a URI ending in ``#``."""
    if not isinstance(scheme, str) or not SCHEME_RE.match(scheme):
        _fail(where, 'scheme %r is not a URI ending in "#"' % (scheme,))


def split_type_id(type_id, where='type identifier'):
    """``'http://…/infrastructure#compute'`` → ``(scheme, term)``.

    The scheme keeps its ``#``.

    :raises OCCIParseError: for anything that is not ``scheme#term``
    """
    if not isinstance(type_id, str) or '#' not in type_id:
        _fail(where, '%r is not a type identifier (scheme#term)'
              % (type_id,))
    scheme, _, term = type_id.rpartition('#')
    scheme += '#'
    check_scheme(scheme, where)
    check_term(term, where)
    return scheme, term


# -- the text grammar ------------------------------------------------------


def split_outside_quotes(text, separator, where, brackets=False):
    r"""Split ``text`` on ``separator`` outside double quotes (``\"``
    escapes a quote inside them) and, with ``brackets``, outside a
    ``<…>`` that opens an item (a Link target)."""
    if '\\' not in text and not (brackets and '<' in text):
        # NB: no escape and no bracket (most values): the quotes pair up
        # in order, so str.split does what the loop below does
        pieces = text.split('"')
        if len(pieces) % 2:
            parts = ['']
            for index, piece in enumerate(pieces):
                if index % 2:
                    parts[-1] += '"' + piece + '"'
                else:
                    first, *rest = piece.split(separator)
                    parts[-1] += first
                    parts.extend(rest)
            return parts
    return _split_outside_quotes(text, separator, where, brackets)


def _split_outside_quotes(text, separator, where, brackets):
    """:func:`split_outside_quotes` a character at a time: any text (the
    errors are told here)."""
    parts, current = [], []
    quoted = escaped = bracketed = False
    for char in text:
        if quoted:
            if escaped:
                escaped = False
            elif char == '\\':
                escaped = True
            elif char == '"':
                quoted = False
        elif bracketed:
            bracketed = char != '>'
        elif char == '"':
            quoted = True
        elif brackets and char == '<' and not ''.join(current).strip():
            bracketed = True
        elif char == separator:
            parts.append(''.join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        _fail(where, 'unterminated quoted string in %r' % _short(text))
    if bracketed:
        _fail(where, 'unterminated <…> in %r' % _short(text))
    parts.append(''.join(current))
    return parts


def unquote(raw, where):
    r"""A parameter or attribute value: a quoted string (``\"``, ``\\``,
    ``\n``, ``\r``, ``\t`` decoded; any other ``\x`` is ``x``) or a bare
    token (``true``, ``4``, ``1.5``, ``kind``), returned as a string."""
    raw = raw.strip()
    if not raw:
        _fail(where, 'empty value')
    if not raw.startswith('"'):
        if not BARE_RE.match(raw):
            _fail(where, 'value %r must be quoted' % _short(raw))
        return raw
    end = raw.find('"', 1)
    if end == len(raw) - 1 and '\\' not in raw:
        return raw[1:end]   # NB: no escape, nothing after the quote
    return _unquoted(raw, where)


def _unquoted(raw, where):
    """The quoted string ``raw`` decoded a character at a time: any text
    (the errors are told here)."""
    chars, index, inner = [], 1, raw
    while True:
        if index >= len(inner):
            _fail(where, 'unterminated quoted string %r' % _short(raw))
        char = inner[index]
        if char == '\\':
            if index + 1 >= len(inner):
                _fail(where, 'unterminated quoted string %r' % _short(raw))
            following = inner[index + 1]
            chars.append(ESCAPES.get(following, following))
            index += 2
        elif char == '"':
            break
        else:
            chars.append(char)
            index += 1
    if inner[index + 1:].strip():
        _fail(where, 'unexpected text after the closing quote in %r'
              % _short(raw))
    return ''.join(chars)


def parameters(text, where, brackets=False):
    """``head; name=value; …`` → ``(head, [(name, raw value)])``.

    Empty parameters (a trailing ``;``) are tolerated.
    """
    parts = split_outside_quotes(text, ';', where, brackets)
    params = []
    for part in parts[1:]:
        part = part.strip()
        if not part:
            continue
        name, equals, value = part.partition('=')
        name = name.strip()
        if not equals or not name:
            _fail(where, 'parameter %r is not name=value' % _short(part))
        params.append((name, value))
    return parts[0].strip(), params


def attribute_definitions(text):
    """``'a{immutable required} b'`` → ``['a{immutable required}', 'b']``
    (blanks inside the braces normalised)."""
    definitions = []
    for name, props in DEFINITION_RE.findall(text):
        props = ' '.join(props.split())
        definitions.append('%s{%s}' % (name, props) if props else name)
    return definitions


def _type_ids(text, where):
    ids = text.split()
    for type_id in ids:
        split_type_id(type_id, where)
    return ids


def parse_category(text, where):
    """One Category value → a category cstruct."""
    term, params = parameters(text, where)
    check_term(term, where)
    values = {}
    for name, raw in params:
        values[name.lower()] = unquote(raw, '%s %s' % (where, name))
    scheme = values.get('scheme')
    if scheme is None:
        _fail(where, 'Category %r has no scheme' % term)
    check_scheme(scheme, where)
    class_ = values.get('class')
    if class_ is not None:
        class_ = class_.lower()
        if class_ not in CLASSES:
            _fail(where, 'class %r is not kind, mixin or action' % class_)
    return category_cstruct(
        term, scheme, class_,
        title=values.get('title'),
        rel=_type_ids(values.get('rel', ''), where + ' rel'),
        location=values.get('location') or None,
        attributes=attribute_definitions(values.get('attributes', '')),
        actions=_type_ids(values.get('actions', ''), where + ' actions'),
    )


def check_attribute_name(name, where):
    if not ATTRIBUTE_NAME_RE.match(name):
        _fail(where, 'attribute name %r is not valid' % _short(name))


def parse_link(text, where):
    """One Link value → a link cstruct.

    The target comes from ``<…>``; an ``occi.core.target`` parameter
    (ooi; docs/decisions.md) takes precedence over it.
    """
    head, params = parameters(text, where, brackets=True)
    if not (head.startswith('<') and head.endswith('>')):
        _fail(where, 'Link %r does not start with <target>' % _short(text))
    link = {
        'target': head[1:-1].strip(), 'rel': [], 'self': None,
        'categories': [], 'attributes': {},
    }
    for name, raw in params:
        value = unquote(raw, '%s %s' % (where, name))
        key = name.lower()
        if key == 'rel':
            link['rel'] = _type_ids(value, where + ' rel')
        elif key == 'self':
            link['self'] = value
        elif key == 'category':
            link['categories'] = _type_ids(value, where + ' category')
        else:
            check_attribute_name(name, where)
            link['attributes'][name] = value
    target = link['attributes'].pop('occi.core.target', None)
    if target:
        link['target'] = target
    if not link['target']:
        _fail(where, 'Link %r has an empty target' % _short(text))
    return link


def parse_attribute(text, where):
    """``name=value`` → ``(name, value)`` (a trailing ``;`` is
    tolerated)."""
    name, equals, value = text.partition('=')
    name = name.strip()
    if not equals:
        _fail(where, 'attribute %r has no "=value"' % _short(text))
    check_attribute_name(name, where)
    where = '%s %s' % (where, name)
    value, *rest = split_outside_quotes(value, ';', where)
    if any(part.strip() for part in rest):
        _fail(where, 'unexpected ";" in %r' % _short(text))
    return name, unquote(value, where)


def parse_location(text, where):
    location = text.strip()
    if location.startswith('<') and location.endswith('>'):
        location = location[1:-1].strip()
    if not location or any(c.isspace() for c in location):
        _fail(where, 'location %r is not a URI' % _short(text))
    return location


class _Structures:
    """Collects text structures into a cstruct."""

    def __init__(self):
        self.cstruct = empty_cstruct()
        self.counts = Counts()

    def add(self, structure, value, where):
        items = split_outside_quotes(value, ',', where, structure == LINK)
        for item in items:
            if not item.strip():
                continue
            self.counts.add(TEXT_LIMITED[structure], 1, where)
            if structure == CATEGORY:
                parsed = parse_category(item, where)
                # NB: clients that send structures both in the body and as
                # headers (rOCCI) may repeat a Category; keep it once
                if parsed not in self.cstruct['categories']:
                    self.cstruct['categories'].append(parsed)
            elif structure == LINK:
                self.cstruct['links'].append(parse_link(item, where))
            elif structure == ATTRIBUTE:
                name, value = parse_attribute(item, where)
                self.cstruct['attributes'][name] = value
            else:
                self.cstruct['locations'].append(parse_location(item, where))

    def add_headers(self, headers):
        for name, value in header_items(headers):
            structure = STRUCTURE_NAMES.get(name.lower())
            if structure is not None:
                self.add(structure, from_wsgi(value), 'header %s' % name)


def header_items(headers):
    """``(name, value)`` pairs from a mapping (WebOb's ``EnvironHeaders``
    joins repeated headers with commas, which the grammar allows) or from
    a list of pairs."""
    if headers is None:
        return []
    if isinstance(headers, Mapping) or hasattr(headers, 'items'):
        return list(headers.items())
    return list(headers)


def from_wsgi(value):
    """Undo PEP 3333's "bytes as latin-1" for UTF-8 header values (what
    :func:`occi_pyramid.renderers.text.header_safe` does on output)."""
    try:
        return value.encode('latin-1').decode('utf-8')
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


#: the WSGI environ keys of the structure headers (PEP 3333 CGI names)
STRUCTURE_ENVIRON_KEYS = tuple(
    'HTTP_' + name.upper().replace('-', '_') for name in STRUCTURE_NAMES)


def has_occi_headers(headers):
    """True when any OCCI structure travels in the headers.  (WebOb's
    headers of a WSGI environ are looked up in it by key: a request
    with none, every GET of a collection, costs no walk of them all.)"""
    environ = getattr(headers, 'environ', None)
    if isinstance(environ, dict):
        return any(key in environ for key in STRUCTURE_ENVIRON_KEYS)
    return any(
        name.lower() in STRUCTURE_NAMES for name, _ in header_items(headers)
    )


def decode(body, charset='utf-8'):
    """The body as text; a bad encoding is a 400."""
    if isinstance(body, str):
        text = body
    else:
        try:
            text = (body or b'').decode(charset or 'utf-8')
        except LookupError:
            raise OCCIParseError('unknown charset %r' % charset)
        except UnicodeDecodeError as error:
            raise OCCIParseError('the body is not valid %s: %s'
                                 % (charset, error))
    if LONE_SURROGATE.search(text):
        # NB: a charset such as unicode_escape or utf-7 decodes to them
        raise OCCIParseError('the body holds a lone UTF-16 surrogate (%s), '
                             'which is no character; send UTF-8 text.'
                             % _surrogate_of(text))
    return text.lstrip('\ufeff')


#: a UTF-16 surrogate on its own: no character, and no UTF-8 for it
LONE_SURROGATE = re.compile('[\ud800-\udfff]')
#: where a JSON text may write one (a ``\uD8xx``-``\uDFxx`` escape)
SURROGATE_ESCAPE = re.compile(r'\\u[dD][89a-fA-F]')


def _surrogate_of(text):
    return '\\u%04x' % ord(LONE_SURROGATE.search(text).group())


def check_no_surrogates(document):
    """Raise naming the first member of a decoded JSON document (or its
    name) that holds a lone UTF-16 surrogate: ``json`` decodes the escape
    ``"\\ud800"`` to one, and no text holding it can be stored, sent to
    the cloud or rendered as UTF-8."""
    stack = [(document, 'JSON body')]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                raise OCCIParseError(
                    '%s holds a lone UTF-16 surrogate (%s), which is no '
                    'character; send text as UTF-8.' % (
                        where, _surrogate_of(value)))
        elif isinstance(value, list):
            stack.extend((child, '%s[%d]' % (where, index))
                         for index, child in enumerate(value))
        elif isinstance(value, dict):
            for member, child in value.items():
                if LONE_SURROGATE.search(member):
                    raise OCCIParseError(
                        '%s has a member name holding a lone UTF-16 '
                        'surrogate (%s), which is no character.' % (
                            where, _surrogate_of(member)))
                stack.append((child, member if where == 'JSON body' or (
                    where == 'attributes') else '%s: %s' % (where, member)))


class TextPlainParser:
    """``text/plain`` and ``text/occi+plain``: structures in body lines.

    Structures sent as headers as well (rOCCI and curl do) are read after
    the body's.  Blank lines, CRLF, LF and stray CRs are accepted; a line
    that is not ``Name: value`` or names no OCCI structure is a 400 naming
    the line.
    """

    def parse(self, body, headers=None, charset='utf-8'):
        """:returns: the cstruct
        :raises OCCIParseError: on any grammar failure"""
        text = decode(body, charset)
        structures = _Structures()
        lines = text.replace('\r\n', '\n').replace('\r', '\n').split('\n')
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line:
                continue
            match = LINE_RE.match(line)
            where = 'line %d' % number
            if match is None:
                _fail(where, 'expected "Name: value", got %r' % _short(line))
            name, value = match.groups()
            structure = STRUCTURE_NAMES.get(name.lower())
            if structure is None:
                _fail(where, 'unknown structure %r in %r (expected Category, '
                             'Link, X-OCCI-Attribute or X-OCCI-Location)'
                      % (name, _short(line)))
            structures.add(structure, value, '%s (%s)' % (where, name))
        structures.add_headers(headers)
        return structures.cstruct


class TextOCCIParser:
    """``text/occi``: structures in HTTP headers; the body is ignored
    (the spec makes it ``OK`` or empty).  Other headers are ordinary HTTP
    headers and are ignored."""

    def parse(self, body=b'', headers=None, charset='utf-8'):
        structures = _Structures()
        structures.add_headers(headers)
        return structures.cstruct


class URIListParser:
    """``text/uri-list`` (RFC 2483): one URI per line, ``#`` comments."""

    def parse(self, body, headers=None, charset='utf-8'):
        cstruct = empty_cstruct()
        counts = Counts()
        lines = decode(body, charset).replace('\r', '\n').split('\n')
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if line and not line.startswith('#'):
                counts.add('locations', 1, 'line %d' % number)
                cstruct['locations'].append(
                    parse_location(line, 'line %d' % number))
        return cstruct


# -- JSON ------------------------------------------------------------------

#: members that make a JSON object an entity (or a partial entity)
ENTITY_MEMBERS = frozenset(
    ['kind', 'id', 'attributes', 'title', 'summary', 'source', 'target'])
#: top-level entity members → attribute names (GFD.226 leaves it open; docs/decisions.md)
CORE_MEMBERS = (
    ('id', 'occi.core.id'),
    ('title', 'occi.core.title'),
    ('summary', 'occi.core.summary'),
)


def _expect(value, types, where, what):
    if not isinstance(value, types):
        _fail(where, 'expected %s, got %s' % (what, _short(
            json.dumps(value))))
    return value


def _string(value, where):
    return _expect(value, str, where, 'a string')


def _list(value, where):
    return _expect(value, list, where, 'an array')


def _object(value, where):
    return _expect(value, dict, where, 'an object')


def _or_empty(value):
    """``null`` members count as absent (``{}``)."""
    return {} if value is None else value


def _id_list(value, where):
    ids = [_string(item, where) for item in _list(value, where)]
    for type_id in ids:
        split_type_id(type_id, where)
    return ids


def category_class(document):
    """The class of a bare JSON category object, told by its members (the
    JSON rendering has no ``class``): ``depends``/``applies`` → mixin,
    ``parent`` → kind (and core#entity, the one kind without a parent),
    ``location`` → mixin, ``actions`` → kind, else an
    action (which carries only term, scheme, title and attributes)."""
    if 'depends' in document or 'applies' in document:
        return 'mixin'
    if 'parent' in document or (
            document.get('scheme'), document.get('term')) == ENTITY_KIND:
        return 'kind'
    if 'location' in document:
        return 'mixin'
    if 'actions' in document:
        return 'kind'
    return 'action'


class OCCIJSONParser:
    """``application/occi+json`` (and ``application/json``).

    Understands entities (a resource with its links, a link), entity
    collections ``{"resources": […], "links": […]}``, action invocations,
    category definitions ``{"kinds"|"mixins"|"actions": […]}`` or one bare
    category object (see :func:`category_class`), rOCCI's
    ``{"mixins": ["<id>", …]}`` partial updates and location lists (an
    array of URL strings, or of objects carrying ``location``).
    """

    def parse(self, body, headers=None, charset='utf-8'):
        """:returns: the cstruct
        :raises OCCIParseError: on invalid JSON or an unknown shape"""
        text = decode(body, charset)
        if not text.strip():
            return empty_cstruct()
        try:
            document = json.loads(text)
        except RecursionError:
            raise too_deep()
        except ValueError as error:
            raise OCCIParseError('the JSON body is not valid: %s' % error)
        check_json_limits(document)
        if SURROGATE_ESCAPE.search(text):
            check_no_surrogates(document)
        return self.document(document)

    def document(self, document):
        """A decoded JSON document → the cstruct."""
        if isinstance(document, list):
            cstruct = empty_cstruct()
            cstruct['locations'] = self.locations(document, 'JSON array')
            return cstruct
        _object(document, 'JSON body')
        if 'action' in document:
            return self.action(document)
        if 'term' in document or 'scheme' in document:
            cstruct = empty_cstruct()
            cstruct['categories'].append(self.category(
                document, category_class(document), 'JSON category'))
            return cstruct
        if ENTITY_MEMBERS.intersection(document):
            return self.entity(document, 'JSON entity')
        return self.collection(document)

    def locations(self, items, where):
        locations = []
        for index, item in enumerate(items):
            here = '%s[%d]' % (where, index)
            if isinstance(item, dict):
                item = item.get('location')
            locations.append(parse_location(_string(item, here), here))
        return locations

    def action(self, document):
        cstruct = empty_cstruct()
        scheme, term = split_type_id(
            _string(document['action'], 'JSON action'), 'JSON action')
        cstruct['categories'].append(category_cstruct(term, scheme, 'action'))
        cstruct['attributes'] = dict(_object(
            _or_empty(document.get('attributes')), 'JSON action attributes'))
        return cstruct

    def collection(self, document):
        cstruct = empty_cstruct()
        for key, class_ in (('kinds', 'kind'), ('mixins', 'mixin'),
                            ('actions', 'action')):
            for index, item in enumerate(_list(document.get(key, []), key)):
                cstruct['categories'].append(self.category(
                    item, class_, '%s[%d]' % (key, index)))
        for key in ('resources', 'links'):
            for index, item in enumerate(_list(document.get(key, []), key)):
                where = '%s[%d]' % (key, index)
                if isinstance(item, str):
                    cstruct['locations'].append(parse_location(item, where))
                elif 'location' in _object(item, where) and not (
                        ENTITY_MEMBERS.intersection(item)):
                    cstruct['locations'].append(parse_location(
                        _string(item['location'], where), where))
                else:
                    cstruct['entities'].append(self.entity(item, where))
        if 'location' in document:
            cstruct['locations'].append(parse_location(
                _string(document['location'], 'location'), 'location'))
        known = {'kinds', 'mixins', 'actions', 'resources', 'links',
                 'location'}
        if document and not known.intersection(document):
            _fail('JSON body', 'no OCCI member in an object with %s'
                  % ', '.join(sorted(map(repr, document))))
        return cstruct

    def category(self, item, class_, where):
        """A category definition, or (rOCCI) just its type id."""
        if isinstance(item, str):
            scheme, term = split_type_id(item, where)
            return category_cstruct(term, scheme, class_)
        _object(item, where)
        term = item.get('term')
        scheme = item.get('scheme')
        check_term(term, where)
        check_scheme(scheme, where)
        rel = []
        if item.get('parent') is not None:
            rel = [_string(item['parent'], where + ' parent')]
            split_type_id(rel[0], where + ' parent')
        if item.get('depends') is not None:
            rel = _id_list(item['depends'], where + ' depends')
        title = item.get('title')
        location = item.get('location')
        return category_cstruct(
            term, scheme, class_,
            title=None if title is None else _string(title, where),
            rel=rel,
            location=None if location is None else _string(location, where),
            attributes=self.definitions(
                item.get('attributes', {}), where + ' attributes'),
            actions=_id_list(item.get('actions', []), where + ' actions'),
            applies=_id_list(item.get('applies', []), where + ' applies'),
            defaults={name: description['default'] for name, description
                      in (item.get('attributes') or {}).items()
                      if isinstance(description, dict)
                      and 'default' in description},
        )

    def definitions(self, attributes, where):
        """JSON attribute descriptions → the text form
        ``name{immutable required}`` (JSON's ``mutable`` defaults to
        false)."""
        definitions = []
        for name, description in _object(attributes, where).items():
            check_attribute_name(name, where)
            description = _object(description, '%s %s' % (where, name))
            props = []
            if not description.get('mutable', False):
                props.append('immutable')
            if description.get('required', False):
                props.append('required')
            definitions.append(
                '%s{%s}' % (name, ' '.join(props)) if props else name)
        return definitions

    def entity(self, document, where):
        """A resource or link object → a cstruct (its links included)."""
        _object(document, where)
        cstruct = empty_cstruct()
        if document.get('kind') is not None:
            scheme, term = split_type_id(
                _string(document['kind'], where + ' kind'), where + ' kind')
            cstruct['categories'].append(category_cstruct(term, scheme,
                                                          'kind'))
        for index, item in enumerate(
                _list(document.get('mixins', []), where + ' mixins')):
            cstruct['categories'].append(self.category(
                item, 'mixin', '%s mixins[%d]' % (where, index)))
        attributes = cstruct['attributes']
        attributes.update(_object(_or_empty(document.get('attributes')),
                                  where + ' attributes'))
        for member, name in CORE_MEMBERS:
            if document.get(member) is not None:
                attributes[name] = document[member]
        for member in ('source', 'target'):
            if document.get(member) is not None:
                location, kind = self.end(document[member],
                                          '%s %s' % (where, member))
                attributes['occi.core.' + member] = location
                if kind is not None and member == 'target':
                    attributes['occi.core.target.kind'] = kind
        for index, item in enumerate(
                _list(document.get('links', []), where + ' links')):
            cstruct['links'].append(
                self.link(item, '%s links[%d]' % (where, index)))
        if document.get('location') is not None:
            cstruct['locations'].append(parse_location(
                _string(document['location'], where + ' location'),
                where + ' location'))
        return cstruct

    def end(self, value, where):
        """A link ``source``/``target``: ``{"location", "kind"}`` (or,
        leniently, a bare location string) → ``(location, kind)``."""
        if isinstance(value, str):
            return parse_location(value, where), None
        _object(value, where)
        location = parse_location(
            _string(value.get('location'), where + ' location'), where)
        kind = value.get('kind')
        if kind is not None:
            split_type_id(_string(kind, where + ' kind'), where + ' kind')
        return location, kind

    def link(self, document, where):
        """A link object inside a resource → a link cstruct."""
        entity = self.entity(document, where)
        attributes = entity['attributes']
        target = attributes.pop('occi.core.target', None)
        if target is None:
            _fail(where, 'the link has no target')
        target_kind = attributes.pop('occi.core.target.kind', None)
        rel = [target_kind] if target_kind else []
        if not rel and document.get('rel') is not None:
            rel = _id_list(document['rel'], where + ' rel') if isinstance(
                document['rel'], list) else _type_ids(
                    _string(document['rel'], where + ' rel'), where + ' rel')
        return {
            'target': target,
            'rel': rel,
            'self': entity['locations'][0] if entity['locations'] else None,
            'categories': [
                c['scheme'] + c['term'] for c in entity['categories']],
            'attributes': attributes,
        }


# -- limits on parse work ----------------------------------------------------
# A body within occi.max_body_size can still name far more structures than
# any OCCI request needs (a megabyte of empty link objects is half a million
# links); these bound the work spent on one request (docs/decisions.md,
# "Hostile input").

#: deepest JSON nesting accepted (an entity with links with attributes
#: holding an object value is 6 levels)
MAX_JSON_DEPTH = 32
#: most JSON values (object members and array items) in one body
MAX_JSON_VALUES = 20000
#: most structures of each sort in one request
LIMITS = {
    'categories': 100,
    'links': 100,
    'attributes': 500,
    'locations': 1000,
    'entities': 1000,
}
#: the text structure -> the limit it counts against
TEXT_LIMITED = {
    CATEGORY: 'categories', LINK: 'links', ATTRIBUTE: 'attributes',
    LOCATION: 'locations',
}
#: JSON members -> the limit their items count against
JSON_LIMITED = {
    'kinds': 'categories', 'mixins': 'categories', 'actions': 'categories',
    'links': 'links', 'attributes': 'attributes', 'resources': 'entities',
}


class Counts:
    """What one request has named so far, against :data:`LIMITS`."""

    def __init__(self):
        self.counts = dict.fromkeys(LIMITS, 0)

    def add(self, what, number, where):
        """:raises OCCIRequestTooLarge: past the limit of ``what``"""
        self.counts[what] += number
        if self.counts[what] > LIMITS[what]:
            raise OCCIRequestTooLarge(
                '%s: the request names more than %d %s, the most this '
                'server accepts in one request.' % (where, LIMITS[what], what))


def too_deep():
    return OCCIParseError('JSON body: nested deeper than %d levels, the most '
                          'this server accepts.' % MAX_JSON_DEPTH)


def check_json_limits(document):
    """Walk a decoded JSON document (without recursion) and raise before
    any per-item work when it is deeper, or names more, than the limits
    allow; every container's size is checked before its items are seen.
    """
    counts = Counts()
    values = 0
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (dict, list)) or not value:
            continue
        values += len(value)
        if values > MAX_JSON_VALUES:
            raise OCCIRequestTooLarge(
                'JSON body: more than %d values, the most this server '
                'accepts in one request.' % MAX_JSON_VALUES)
        if depth >= MAX_JSON_DEPTH:
            raise too_deep()
        if isinstance(value, list):
            if depth == 1:
                counts.add('locations', len(value), 'JSON array')
            stack.extend((child, depth + 1) for child in value)
            continue
        for member, child in value.items():
            if member in JSON_LIMITED and isinstance(child, (list, dict)):
                counts.add(JSON_LIMITED[member], len(child),
                           'JSON member %r' % member)
            stack.append((child, depth + 1))


# -- choosing a parser -----------------------------------------------------

PARSERS = {}
PARSERS.update((t, TextPlainParser) for t in PLAIN_TYPES)
PARSERS.update((t, TextOCCIParser) for t in HEADER_TYPES)
PARSERS.update((t, OCCIJSONParser) for t in JSON_TYPES)
PARSERS.update((t, URIListParser) for t in URI_LIST_TYPES)


def media_type(content_type):
    """``'text/plain; charset=UTF-8'`` → ``('text/plain', 'UTF-8')``.

    A comma-separated list (rOCCI 4 sends its ``--media-type`` default
    ``text/plain,text/occi`` verbatim as the Content-Type) gives its first
    type a parser understands, or its first type when none is
    (:func:`parse_request` reads the body when the list also names a
    text/plain type and the body is more than text/occi's ``OK``).
    """
    return _media_type(_media_types(content_type))


def _media_types(content_type):
    if not content_type:
        return [('', None)]
    return [
        _one_media_type(part) for part in split_outside_quotes(
            content_type, ',', 'Content-Type') if part.strip()
    ] or [('', None)]


def _media_type(candidates):
    for candidate in candidates:
        if candidate[0] in PARSERS:
            return candidate
    return candidates[0]


def _one_media_type(content_type):
    parts = content_type.split(';')
    charset = None
    for param in parts[1:]:
        name, _, value = param.partition('=')
        if name.strip().lower() == 'charset':
            charset = value.strip().strip('"') or None
    return parts[0].strip().lower(), charset


def parse_request(content_type, body, headers=None):
    """Parse a request by its Content-Type.

    * ``text/plain``, ``text/occi+plain``: body lines (and headers);
    * ``text/occi``: headers;
    * ``application/occi+json``, ``application/json``: the JSON body;
    * ``text/uri-list``: a location list;
    * no Content-Type, with OCCI headers: the headers;
    * an empty body with no OCCI headers: the empty cstruct (an empty
      body needs no Content-Type we know: ``curl -X POST`` with headers).

    :raises OCCIUnsupportedMediaType: for a body of any other type
    :raises OCCIParseError: for a body or header that does not parse
    """
    candidates = _media_types(content_type)
    mtype, charset = _media_type(candidates)
    body = body or b''
    if mtype in HEADER_TYPES and body.strip() not in (b'', b'OK'):
        # NB: "text/occi,text/plain" with the request in the body: read
        # it (the text/plain parser reads the headers too), never build
        # from the headers alone
        for candidate in candidates:
            if candidate[0] in PLAIN_TYPES:
                mtype, charset = candidate
                break
    parser = PARSERS.get(mtype)
    if parser is not None:
        return parser().parse(body, headers, charset or 'utf-8')
    if has_occi_headers(headers) and (not mtype or not body.strip()):
        return TextOCCIParser().parse(body, headers)
    if not body.strip():
        return empty_cstruct()
    if not mtype:
        raise OCCIUnsupportedMediaType(
            'The request has a body but no Content-Type; send one of %s.'
            % ', '.join(MEDIA_TYPES))
    raise OCCIUnsupportedMediaType(
        'Content-Type %s is not supported; send one of %s.'
        % (mtype, ', '.join(MEDIA_TYPES)))
