"""The two text renderings: text/plain (and text/occi+plain) and text/occi.

Both render the same ``(name, value)`` pairs (:mod:`.headers`); they
differ only in the carrier (GFD.185, GFD.229).
"""
import abc

from .base import Rendered, Rendering
from .headers import ERROR, STRUCTURES, HeaderPairs, one_line


class _TextRendering(Rendering):

    def __init__(self, urls, media_type=None, version=None):
        super().__init__(urls, media_type, version)
        self.pairs = HeaderPairs(self.urls, version)

    def render(self, obj):
        """Render ``obj`` (see :meth:`HeaderPairs.pairs` for the types).

        :raises TypeError: for a type without a text rendering
        """
        return self.package(self.pairs.pairs(obj))

    @abc.abstractmethod
    def package(self, pairs):
        """Put the header pairs into headers or body lines."""


class TextPlainRendering(_TextRendering):
    """``text/plain``: every structure is a body line ``Name: value``.

    NB: lines end in a bare LF, as ooi and rOCCI send them; every parser
    we know (ours included) also accepts CRLF.
    """

    media_types = ('text/plain', 'text/occi+plain')

    def package(self, pairs):
        body = ''.join('%s: %s\n' % pair for pair in pairs)
        return self.rendered(body)

    def render_error(self, code, message):
        return self.rendered(message.rstrip('\n') + '\n')


def header_safe(value):
    """A str WSGI (PEP 3333) can send: latin-1 code points only.

    Header values always travel as UTF-8 bytes, written in the "bytes as
    latin-1" convention (ASCII is unchanged); the text/occi parser undoes
    this.  NB: always, not only when a character is outside latin-1,
    so that the reader never has to guess.
    """
    # NB: 'replace': a lone surrogate the cloud holds shows as "?"
    return value.encode('utf-8', 'replace').decode('latin-1')


def merge_pairs(pairs):
    """Merge repeated OCCI structures into one comma list per name, in
    order of first appearance; other headers stay one per pair."""
    merged, index = [], {}
    for name, value in pairs:
        if name in STRUCTURES and name in index:
            position = index[name]
            merged[position] = (name, merged[position][1] + ', ' + value)
        else:
            if name in STRUCTURES:
                index[name] = len(merged)
            merged.append((name, value))
    return merged


class TextOCCIRendering(_TextRendering):
    """``text/occi``: every structure is an HTTP header; body ``OK``.

    Repeated structures are merged into one comma-separated header (the
    spec recommends comma lists in headers and some HTTP stacks mangle
    repeated headers).  Values are made WSGI-safe with
    :func:`header_safe`.
    """

    media_types = ('text/occi',)

    def package(self, pairs):
        headers = [
            (name, header_safe(value)) for name, value in merge_pairs(pairs)
        ]
        return self.rendered('OK', headers)

    def render_error(self, code, message):
        # NB: rOCCI splits every text/occi header value on commas, quoted
        # or not: the header's copy of the message has none (the body
        # keeps them)
        header = header_safe(one_line(message).replace(', ', '; ').replace(
            ',', ';'))
        return Rendered(message.rstrip('\n') + '\n', self.media_type,
                        [(ERROR, header)])
