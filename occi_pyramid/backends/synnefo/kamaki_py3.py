"""Make kamaki 0.16, astakosclient 0.19 and objpool 0.4 run on Python 3.

These three packages are Python 2 code installed unchanged from the package
index.  Their client code compiles under Python 3; what breaks is at import
time and at run time.  ``docs/kamaki.md`` lists the 19
points; each patch below names the point (``#n``) it fixes and the Python 2
behaviour it restores.  Nothing outside these three packages is touched.

Rules of this module:

* :func:`apply` is idempotent and must run before anything imports kamaki.
  Only :mod:`occi_pyramid.backends.synnefo.clients` imports kamaki, and it
  calls :func:`apply` first.
* It refuses to run with other versions than the ones it was written
  against (:func:`check_versions`): every patch replaces a function of those
  exact releases.
* The Python 2 module names ``urllib2``, ``httplib`` and ``urlparse`` are
  put in ``sys.modules`` only while the three packages are being imported
  and removed right after (#1-#4).  The imported modules keep their own
  references to the Python 3 modules bound under those names, so nobody
  else in the process ever sees a Python 2 name.  A meta-path import hook
  would do the same with more machinery; a 2to3 copy is excluded by the
  issue (no converted kamaki code in the repository).
* TLS and socket timeouts are not process globals: a :class:`Transport`
  (built from the settings by the backend) owns its own connection pools,
  each connection created with the transport's timeout and ``SSLContext``.
  The clients module attaches a transport to each client it builds; the
  patched kamaki request path and astakosclient connection factory use it.
  Without a transport kamaki behaves as upstream (class-level ``ca_file`` /
  ``ignore_ssl``, no timeout), but with SNI and host-name checking.
"""
import email.parser
import http.client
import json
import logging
import os
import queue
import re
import select
import socket
import ssl
import sys
import time
import threading
import types
import unicodedata
from importlib import metadata
from urllib.parse import quote, unquote, unquote_to_bytes, urlencode, urlparse

log = logging.getLogger(__name__)

#: distribution name -> the only version these patches were written for
REQUIRED_VERSIONS = {
    'kamaki': '0.16',
    'astakosclient': '0.19',
    'objpool': '0.4',
}

_lock = threading.RLock()
_applied = False

#: how many URLs kamaki's patched request path remembers the parts of
_URL_CACHE_SIZE = 4096


class KamakiCompatError(RuntimeError):
    """The installed kamaki stack is not the one these patches fit."""


def _installed_version(dist):
    """Installed version of ``dist`` (``None`` when not installed)."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def check_versions():
    """Raise :class:`KamakiCompatError` unless the exact versions are in."""
    wrong = []
    for dist, wanted in sorted(REQUIRED_VERSIONS.items()):
        found = _installed_version(dist)
        if found != wanted:
            wrong.append('%s==%s (found %s)' % (dist, wanted, found))
    if wrong:
        raise KamakiCompatError(
            'occi_pyramid.backends.synnefo.kamaki_py3 patches exactly %s; '
            'refusing to run with: %s' % (
                ', '.join('%s==%s' % kv for kv in sorted(
                    REQUIRED_VERSIONS.items())),
                '; '.join(wrong)))


# -- TLS and timeouts ---------------------------------------------------------


def make_ssl_context(ca_certs=None, insecure=False):
    """An ``SSLContext`` for the cloud's endpoints.

    Verification is on (certificate chain and host name, SNI sent) unless
    ``insecure`` is true.  ``ca_certs`` is a CA bundle file; empty means the
    system's default CAs.
    """
    ctx = ssl.create_default_context(cafile=ca_certs or None)
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


#: the bytes of a plain header block: printable ASCII, tab, CR, LF
_PLAIN_BYTES = bytes([9, 10, 13] + list(range(0x20, 0x7f)))
#: content types after which the email parser reads a body into the
#: message (multipart, message/*): left to it
_STRUCTURED = ('multipart/', 'message/')


def _plain_fields(block):
    """The (name, value) fields of a header block that http.client's
    parser (the email package's, policy compat32) reads as plain
    ``name: value`` pairs and nothing else, as its
    ``header_source_parse`` makes them (the blanks after the colon and
    the line end dropped), with the lower-cased names and the values;
    ``None`` for any other block.  Plain: lines of a field name of
    visible ASCII but ``:`` and a value of printable ASCII and tabs,
    each ending at its line feed (a carriage return only just before
    it), then the blank line, and no multipart or message content type.
    String methods rather than a regular expression: a tenth of the
    cost."""
    if block.translate(None, _PLAIN_BYTES) or (
            block.count(b'\r') != block.count(b'\r\n')):
        return None
    lines = block.decode('ascii').split('\n')
    if len(lines) < 2 or lines[-2] not in ('', '\r'):
        return None
    parts = [line.partition(':') for line in lines[:-2]]
    if not parts:
        return [], [], []
    names, colons, values = zip(*parts)
    joined = '\n'.join(names)      # the names hold no line feed
    if '' in colons or '' in names or ' ' in joined or '\t' in joined:
        return None
    names = joined.lower().split('\n')
    values = [value.lstrip(' \t').rstrip('\r') for value in values]
    at = -1
    while 'content-type' in names[at + 1:]:
        at = names.index('content-type', at + 1)
        if values[at].lower().startswith(_STRUCTURED):
            return None
    fields = list(zip(joined.split('\n'), values))
    return fields, names, values


def _buffered_fields(fp):
    """The fields of the header block (:func:`_plain_fields`), taken at
    once from what ``fp`` (a buffered reader) already holds, when it is
    plain and within http.client's limits (``_read_headers``: lines of
    at most ``_MAXLINE`` bytes, at most ``_MAXHEADERS`` of them with the
    blank one); else ``None``, with nothing read."""
    peek = getattr(fp, 'peek', None)
    if peek is None:
        return None
    data = peek()
    end = data.find(b'\r\n\r\n')
    if end < 0 or end + 4 > http.client._MAXLINE:
        return None
    block = data[:end + 4]
    if block.count(b'\n') > http.client._MAXHEADERS:
        return None
    # plain lines: the first blank line is this one, as for readline
    fields = _plain_fields(block)
    if fields is not None:
        fp.read(end + 4)
    return fields


def parse_headers(fp, _class=http.client.HTTPMessage):
    """:func:`http.client.parse_headers`, the same message, without the
    email package's feed parser where the header block is plain lines
    (every Synnefo answer): that parser was a tenth of the CPU a cloud
    call costs the OCCI process.  Anything else (folded or non-ASCII
    lines, a missing end, a multipart type) goes to the email parser as
    in http.client."""
    plain = _buffered_fields(fp)
    if plain is None:
        block = b''.join(http.client._read_headers(fp))
        plain = _plain_fields(block)
        if plain is None:
            return email.parser.Parser(_class=_class).parsestr(
                block.decode('iso-8859-1'))
    fields, names, values = plain
    if _class is not http.client.HTTPMessage:
        message = _class()
        message._headers = fields       # what set_raw would append
        message.set_payload('')
        return message
    message = _PlainMessage()
    message._headers = fields
    message.set_payload('')
    # name -> value of its first and of its last field
    names.reverse()
    values.reverse()
    first = dict(zip(names, values))
    names.reverse()
    values.reverse()
    message._occi_view = (fields, len(fields), first,
                          dict(zip(names, values)))
    return message


class _PlainMessage(http.client.HTTPMessage):
    """The message :func:`parse_headers` makes of plain ASCII lines.

    Reads skip the policy's ``header_fetch_parse``: under compat32 it
    only replaces surrogate escapes (bytes that were not ASCII), which
    these values cannot hold, so every answer is the same as the email
    package's; http.client reads three to five headers of every response
    and kamaki all of them.
    """

    #: (the fields, their number, lower-cased name -> first value, ->
    #: last value) as parsed; the email package changes the fields by
    #: appending to them, replacing the list, or in replace_header
    _occi_view = None

    def plain_view(self):
        """The parsed view, if the fields are still the parsed ones."""
        view = self._occi_view
        if view is not None and view[0] is self._headers and (
                view[1] == len(self._headers)):
            return view
        return None

    def replace_header(self, _name, _value):
        self._occi_view = None
        http.client.HTTPMessage.replace_header(self, _name, _value)

    def get(self, name, failobj=None):
        view = self._occi_view      # plain_view(), inline: a hot path
        if view is not None and view[0] is self._headers and (
                view[1] == len(self._headers)):
            return view[2].get(name.lower(), failobj)
        name = name.lower()
        for key, value in self._headers:
            if key.lower() == name:
                return value
        return failobj

    def get_all(self, name, failobj=None):
        name = name.lower()
        values = [value for key, value in self._headers
                  if key.lower() == name]
        return values or failobj

    def items(self):
        return list(self._headers)

    def values(self):
        return [value for _, value in self._headers]


#: http.client.HTTPResponse.begin as it is, reading headers with
#: parse_headers above (its code run with that one global replaced)
_begin = types.FunctionType(
    http.client.HTTPResponse.begin.__code__,
    dict(vars(http.client), parse_headers=parse_headers),
    'begin', http.client.HTTPResponse.begin.__defaults__,
    http.client.HTTPResponse.begin.__closure__)


#: a status line that http.client's ``_read_status`` splits into the
#: version, the code and the reason (blanks around it stripped by
#: ``begin``) with no surprise: ``HTTP/1.x``, one space, three digits, a
#: reason of printable ASCII
_STATUS_LINE = re.compile(
    rb'(HTTP/1\.[0-9]) ([1-9][0-9][0-9])(?: ([\x20-\x7e]*))?\r?\n\Z')


class Response(http.client.HTTPResponse):
    """The response class of the transport's connections: http.client's,
    headers parsed by :func:`parse_headers`, the usual status line split
    by one regular expression."""

    begin = _begin

    def _read_status(self):
        """http.client's ``_read_status`` (RFC 9112 section 4), the same
        (version, status, reason): a usual status line, whole in what the
        buffered reader holds, split by one regular expression; anything
        else read by http.client's own."""
        peek = getattr(self.fp, 'peek', None)
        if peek is not None and not self.debuglevel:
            data = peek()
            end = data.find(b'\n', 0, http.client._MAXLINE) + 1
            plain = _STATUS_LINE.match(data, 0, end) if end else None
            if plain is not None:
                self.fp.read(end)
                version, status, reason = plain.groups()
                return (version.decode('ascii'), int(status),
                        reason.decode('ascii') if reason else '')
        return super()._read_status()


#: methods http.client sends as they are (no control characters), and
#: those it gives an empty body a ``Content-Length: 0``
_PLAIN_METHODS = frozenset(['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'COPY',
                            'MOVE', 'PATCH'])
_BODY_METHODS = frozenset(['PATCH', 'POST', 'PUT'])
#: request header names after which http.client adds no header of its own
#: or frames the body itself: left to it
_SPECIAL_HEADERS = frozenset(['host', 'accept-encoding', 'transfer-encoding'])


def _host_line(conn):
    """The ``Host`` line http.client's ``putrequest`` writes for a path
    (not an absolute URL) on ``conn``: RFC 9112 section 3.2."""
    host, port = conn.host, conn.port
    try:
        host_enc = host.encode('ascii')
    except UnicodeEncodeError:
        host_enc = host.encode('idna')
    if ':' in host:
        host_enc = http.client._strip_ipv6_iface(b'[' + host_enc + b']')
    if port == conn.default_port:
        return b'Host: ' + host_enc
    return ('Host: %s:%s' % (host_enc.decode('ascii'), port)).encode(
        'latin-1')


def send_request(conn, method, url, headers, body):
    """Send ``conn.request(method, url, body, headers)``: the same bytes
    http.client's ``HTTPConnection.request`` sends (request line,
    ``Host``, ``Accept-Encoding: identity``, ``Content-Length`` when it
    adds one, the headers in order, the body), in one step instead of
    its ``putrequest``/``putheader``/``endheaders`` calls.  Only for the
    plain requests kamaki makes (a path, ASCII header names, a bytes or
    text body or none, no proxy tunnel, no debug output); for anything
    else it returns False, sending nothing, and http.client is to be
    used."""
    if (conn._HTTPConnection__state != http.client._CS_IDLE
            or method not in _PLAIN_METHODS or conn._http_vsn != 11
            or conn.debuglevel or conn._tunnel_host
            or url[:1] != '/' or not url.isascii()
            or http.client._contains_disallowed_url_pchar_re.search(url)):
        return False
    if body is None:
        length = 0 if method in _BODY_METHODS else None
    elif isinstance(body, str):
        length = len(body)
        try:
            body = body.encode('latin-1')
        except UnicodeEncodeError:
            return False
    elif isinstance(body, bytes):
        length = len(body)
    else:
        return False
    legal_name = http.client._is_legal_header_name
    illegal_value = http.client._is_illegal_header_value
    fields = []
    for name, value in headers.items():
        if not isinstance(name, str) or not name.isascii():
            return False
        lower = name.lower()
        if lower in _SPECIAL_HEADERS:
            return False
        if lower == 'content-length':
            length = None
        if isinstance(value, str):
            try:
                value = value.encode('latin-1')
            except UnicodeEncodeError:
                return False
        elif not isinstance(value, bytes):
            return False
        name = name.encode('ascii')
        if not legal_name(name) or illegal_value(value):
            return False
        fields.append(name + b': ' + value)
    host = getattr(conn, '_occi_host_line', None)
    if host is None:
        host = conn._occi_host_line = _host_line(conn)
    lines = [('%s %s HTTP/1.1' % (method, url)).encode('ascii'), host,
             b'Accept-Encoding: identity']
    if length is not None:
        lines.append(b'Content-Length: %d' % length)
    lines.extend(fields)
    lines.append(b'\r\n')
    # what putrequest and endheaders leave behind
    response = conn._HTTPConnection__response
    if response and response.isclosed():
        conn._HTTPConnection__response = None
    conn._method = method
    conn._HTTPConnection__state = http.client._CS_REQ_SENT
    conn.send(b'\r\n'.join(lines))
    if body:
        conn.send(body)
    return True


class Transport(object):
    """How the clients of one backend reach the cloud.

    Holds the socket timeout, the ``SSLContext`` and one objpool connection
    pool per (scheme, host:port).  Pools are per process (objpool refuses
    to cross a fork) and are shared by every client that carries this
    transport, so connections are reused across requests while each
    request still builds its own clients.
    """

    def __init__(self, timeout=None, ssl_context=None, pool_size=100):
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.pool_size = pool_size
        #: ``observe(method, path, status, seconds)`` of every call made
        #: through the transport (status 0: no answer), or ``None``
        self.observe = None
        self._pools = {}
        self._mutex = threading.Lock()

    def pool(self, scheme, netloc):
        """The connection pool of this transport for ``scheme://netloc``."""
        key = (scheme, netloc)
        pool = self._pools.get(key)
        if pool is not None:
            return pool
        with self._mutex:
            pool = self._pools.get(key)
            if pool is None:
                pool = _pool_class()(self, scheme, netloc, self.pool_size)
                self._pools[key] = pool
            return pool

    def pooled_connection(self, scheme, netloc):
        """A context manager lending a pooled connection (objpool style)."""
        from objpool.http import PooledHTTPConnection
        return PooledHTTPConnection(
            netloc, scheme, pool=self.pool(scheme, netloc))

    def connection_factory(self, scheme):
        """What astakosclient's ``conn_class`` expects: netloc -> CM."""
        def factory(netloc):
            return self.pooled_connection(scheme, netloc)
        return factory

    def close(self):
        """Close the idle pooled connections (used at exit and in tests)."""
        with self._mutex:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            with pool._mutex:
                conns, pool._set = list(pool._set), set()
            for conn in conns:
                try:
                    conn.close()
                except Exception:  # pragma: no cover - best effort
                    pass


def _unfinished(conn):
    """Whether ``conn`` still has a response not read to its end."""
    response = getattr(conn, '_HTTPConnection__response', None)
    return response is not None and not response.isclosed()


class _Slots(object):
    """objpool's allocation semaphore (``size`` connections lent at
    most; a borrower waits for one to come back) as a queue of tokens:
    ``queue.SimpleQueue``'s get and put are C code, ``threading``'s
    semaphore is Python code around a condition."""

    def __init__(self, size):
        self.queue = queue.SimpleQueue()
        for _ in range(size):
            self.queue.put(None)

    def acquire(self, blocking=True, timeout=None):
        try:
            self.queue.get(blocking, timeout)
        except queue.Empty:
            return False
        return True

    def release(self):
        self.queue.put(None)

    @property
    def _value(self):
        return self.queue.qsize()


_Pool = None


def _pool_class():
    """The pool class of :class:`Transport` (objpool is imported by
    :func:`apply`, with the Python 2 names, so the class is made then)."""
    global _Pool
    if _Pool is None:
        import objpool
        from objpool.http import HTTPConnectionPool

        class Pool(HTTPConnectionPool):
            """objpool's HTTP pool, connections made with the transport's
            timeout and TLS context.  kamaki's calls borrow through
            :meth:`lend` and :meth:`give_back`: objpool's ``pool_get`` and
            ``pool_put`` with the same steps (process check, allocation
            semaphore, verify, cleanup), without their debug lines and
            the ``PooledObject`` around them.  astakosclient goes through
            objpool's ``PooledHTTPConnection``, on the same pool."""

            def __init__(self, transport, scheme, netloc, size):
                HTTPConnectionPool.__init__(self, scheme, netloc, size=size)
                self.transport = transport
                self._semaphore = _Slots(self.size)

            def _pool_create(self):
                conn = HTTPConnectionPool._pool_create(self)
                conn.timeout = self.transport.timeout
                conn.response_class = Response
                if self.scheme == 'https':
                    conn.occi_ssl_context = self.transport.ssl_context
                return conn

            def _pool_verify(self, conn):
                # #16's check (see _patch_objpool), then objpool's: an
                # idle socket with something to read was closed by the
                # server
                if conn is None:
                    return False
                if _unfinished(conn):
                    conn.close()
                    return False
                sock = conn.sock
                return sock is None or not select.select(
                    (sock,), (), (), 0)[0]

            def lend(self):
                if self._pool_pid != os.getpid():
                    raise AssertionError(
                        'You cannot use a pool in a different process '
                        'than it was created!')
                self._semaphore.queue.get()
                try:
                    while True:
                        with self._mutex:
                            conn = self._set.pop() if self._set else None
                        if conn is None:
                            conn = self._pool_create()
                            if not self._pool_verify(conn):
                                raise objpool.PoolVerificationError(
                                    'Pool %r cannot verify new object '
                                    '%r' % (self, conn))
                            return conn
                        if self._pool_verify(conn):
                            return conn
                except BaseException:
                    self._semaphore.queue.put(None)
                    raise

            def give_back(self, conn):
                if not self._pool_cleanup(conn):
                    with self._mutex:
                        self._set.add(conn)
                self._semaphore.queue.put(None)

        _Pool = Pool
    return _Pool


def attach_transport(client, transport):
    """Make kamaki ``client`` send its requests through ``transport``."""
    client.occi_transport = transport
    return client


# -- Import with the Python 2 module names (#1-#4) ----------------------------


def _py2_module(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def _python2_names():
    """The Python 2 stdlib modules these packages import, by name."""
    return {
        # #1: ``from urllib2 import quote, unquote`` in kamaki.clients
        'urllib2': _py2_module('urllib2', quote=quote, unquote=unquote),
        # #1, #4: ``from urlparse import urlparse`` / ``urlparse.urlparse``
        'urlparse': _py2_module('urlparse', urlparse=urlparse),
        # #1-#4: httplib is http.client under its Python 3 name
        'httplib': http.client,
    }


_MODULES = (
    'objpool', 'objpool.http',                            # #3
    'astakosclient.errors', 'astakosclient.utils',        # #4
    'astakosclient',                                      # #4
    'kamaki.clients.utils', 'kamaki.clients.utils.https',  # #2
    'kamaki.clients',                                     # #1
)

#: imported after path4url is fixed, since they bind it by name (#5)
_SERVICE_MODULES = (
    'kamaki.clients.astakos',
    'kamaki.clients.compute', 'kamaki.clients.compute.rest_api',
    'kamaki.clients.network', 'kamaki.clients.network.rest_api',
    'kamaki.clients.blockstorage', 'kamaki.clients.blockstorage.rest_api',
    'kamaki.clients.cyclades', 'kamaki.clients.cyclades.rest_api',
    'kamaki.clients.image',
)


def _import_with_python2_names(names):
    import importlib
    aliases = _python2_names()
    saved = {name: sys.modules.get(name) for name in aliases}
    try:
        for name, module in aliases.items():
            if saved[name] is None:
                sys.modules[name] = module
        return [importlib.import_module(name) for name in names]
    finally:
        for name, module in aliases.items():
            if saved[name] is None and sys.modules.get(name) is module:
                del sys.modules[name]


# -- The patches ----------------------------------------------------------------


def _patch_kamaki_utils(utils):
    def path4url(*args):
        """#5: Python 2 joined byte strings decoded as UTF-8 and unicode
        as is; on Python 3 ``str`` is already text, bytes get decoded."""
        r = '/'.join([''] + [
            arg.decode('utf-8') if isinstance(arg, bytes)
            else '%s' % arg for arg in args])
        while '//' in r:
            r = r.replace('//', '/')
        return ('/%s' % r.strip('/')) if r else ''

    def escape_ctrl_chars(s):
        """#13: Python 2 escaped control characters of unicode (with
        unicode_escape) and of byte strings (with string_escape)."""
        if isinstance(s, bytes):
            return ''.join(
                chr(c) if 31 < c < 127 else '\\x%02x' % c for c in s)
        if isinstance(s, str):
            return ''.join(
                ch.encode('unicode_escape').decode('ascii')
                if unicodedata.category(ch)[0] == 'C' else ch for ch in s)
        return s

    utils.path4url = path4url
    utils.escape_ctrl_chars = escape_ctrl_chars


def _encode(v):
    """#6: Python 2 URL-quoted unicode values as UTF-8 (``unicode``
    is gone; every Python 3 ``str`` is unicode)."""
    if v and isinstance(v, str):
        return quote(v.encode('utf-8'))
    return v


def url_parts(url, path, params):
    """kamaki's ``RequestManager._connection_info`` with #6 fixed, as a
    function: the URL, the path to send (with the query) and the scheme
    and host of ``path`` and ``params`` at the service ``url``."""
    url = url or 'http://127.0.0.1/'
    url += '' if url.endswith('/') else '/'
    if path:
        url += _encode(path[1:] if path.startswith('/') else path)
    delim = '?'
    for key, val in params.items():
        val = quote('' if val in (None, False) else '%s' % val)
        url += '%s%s%s' % (delim, key, ('=%s' % val) if val else '')
        delim = '&'
    parsed = urlparse(url)
    return ('%s' % url, (('%s' % parsed.path) if parsed.path else '/') + (
        '?%s' % parsed.query if parsed.query else ''),
        parsed.scheme, parsed.netloc)


def _patch_kamaki_clients(kc, utils):
    def _connection_info(self, url, path, params={}):
        """#6: as upstream, but query values are quoted once.  Python 2
        quoted byte-string values once and double-quoted unicode ones (a
        bug docs/kamaki.md says not to reproduce); on Python 3 every value
        is text, so ``_encode`` + ``quote`` would double-quote them all.
        What a (url, path, params) gives is remembered: an OCCI request
        asks for the same few resources again and again."""
        try:
            key = (url, path, tuple(params.items())) if params else (
                url, path)
            known = _url_cache.get(key)
        except TypeError:           # a value that cannot be a dict key
            key = known = None
        if known is None:
            known = url_parts(url, path, params)
            if key is not None:
                if len(_url_cache) >= _URL_CACHE_SIZE:
                    _url_cache.clear()
                _url_cache[key] = known
        self.url, self.path, scheme, netloc = known
        return (scheme, netloc)

    _url_cache = {}

    orig_strip_version = kc.strip_version
    _versions = {}

    def strip_version(url):
        """kamaki's ``strip_version`` (a regular expression search) of
        every endpoint URL, remembered: a client is built per request."""
        known = _versions.get(url)
        if known is None:
            known = orig_strip_version(url)
            if len(_versions) >= _URL_CACHE_SIZE:
                _versions.clear()
            _versions[url] = known
        return known

    def _encode_headers(self):
        """#7: Python 2 sent header values as UTF-8 bytes.  ASCII values go
        as ``str``; others as UTF-8 ``bytes`` (http.client sends bytes
        untouched, a ``str`` would be latin-1 encoded or rejected); quoted
        headers are URL-quoted UTF-8 as before.  Never ``"b'...'"``."""
        headers = dict()
        plain = not self._headers_to_quote and not self._header_prefices
        for k, v in self.headers.items():
            if plain and type(v) is str and v.isascii():
                headers[k] = v          # what the steps below make of it
                continue
            key = k.lower()
            if isinstance(v, bytes):
                v = v.decode('utf-8')
            val = '' if v is None else '%s' % v
            quotable = key in self._headers_to_quote or any(
                key.startswith(p) for p in self._header_prefices)
            if quotable:
                val = quote(val.encode('utf-8'))
            elif not val.isascii():
                val = val.encode('utf-8')
            headers[k] = val
        self.headers = headers

    def perform(self, conn):
        """#8: Python 2 httplib took the URL as a byte string; http.client
        wants ``str`` (the path is already quoted ASCII)."""
        self._encode_headers()
        debug = kc.sendlog.isEnabledFor(kc.DEBUGV)
        if debug:
            # NB: dump_log formats every line before logging.log drops it
            self.dump_log()
        try:
            kwargs = dict(method=self.method.upper(), url=self.path,
                          headers=self.headers, body=self.data)
            if hasattr(conn, '_old_request') and send_request(
                    conn, **kwargs):
                # what objpool's wrapper of ``request`` keeps, to send
                # the request again when the server closed the
                # connection before answering
                conn._request_args, conn._request_kwargs = (), kwargs
            else:
                conn.request(**kwargs)
            if debug:
                kc.sendlog.log(kc.DEBUGV, '')
            keep_trying = kc.TIMEOUT
            while keep_trying > 0:
                try:
                    return conn.getresponse()
                except http.client.ResponseNotReady:
                    wait = 0.03 * kc.random()
                    kc.sleep(wait)
                    keep_trying -= wait
        except ssl.SSLError as ssle:
            raise kc.KamakiSSLError('SSL Connection error (%s)' % ssle)
        raise kc.ClientError('HTTPResponse takes too long - kamaki timeout')

    def _get_headers_to_decode(self, headers):
        """#9: ``filter`` returned a list on Python 2.  (Most clients
        decode no header: then nothing to look at.)"""
        if not self._headers_to_decode and not self._header_prefices:
            return []
        keys = set([k.lower() for k, v in headers])
        encodable = list(keys.intersection(self.headers_to_decode))

        def has_prefix(s):
            return any(s.startswith(k) for k in self.header_prefices)
        return encodable + list(filter(has_prefix, keys.difference(encodable)))

    def _header_text(value, decode):
        """Header values as Python 2 read them: the raw bytes, as UTF-8
        text (http.client decoded them as latin-1), URL-unquoted when kamaki
        asked for it.  ASCII reads the same every way: as it is."""
        if not decode and value.isascii():
            return value
        raw = value.encode('latin-1', 'replace')
        if decode:
            return unquote_to_bytes(raw).decode('utf-8', 'replace')
        try:
            return raw.decode('utf-8')
        except UnicodeDecodeError:
            return value

    class _ObjpoolPools(object):
        """kamaki's own pooling (no transport): objpool's global pools."""

        def __init__(self, request, poolsize):
            self.request, self.poolsize = request, poolsize

        def lend(self):
            pool_kw = dict(size=self.poolsize) if self.poolsize else dict()
            self.pooled = utils.https.PooledHTTPConnection(
                self.request.netloc, self.request.scheme, **pool_kw)
            return self.pooled.acquire()

        def give_back(self, connection):
            self.pooled.release()

    def _get_response(self):
        """#10: header names lower-cased as Python 2's httplib gave them
        (kamaki and callers look up ``headers['location']``,
        ``x-image-meta-*``); decoded headers via ``unquote`` on UTF-8 instead
        of ``str.decode``.  The connection comes from the client's
        transport pool when it has one (timeout, TLS context)."""
        if self._request_performed:
            return
        transport = self.occi_transport
        if transport is None:
            return self._perform_pooled(
                _ObjpoolPools(self.request, self.poolsize))
        request = self.request
        pool = transport.pool(request.scheme, request.netloc)
        observe = transport.observe
        if observe is None:
            return self._perform_pooled(pool)
        started = time.perf_counter()
        try:
            self._perform_pooled(pool)
        finally:
            observe(request.method, request.path,
                    self._status_code if self._request_performed else 0,
                    time.perf_counter() - started)

    def _perform_pooled(self, pool):
        """One call on a connection lent by ``pool``, retried on
        http.client's errors as upstream (``CONNECTION_TRY_LIMIT``)."""
        request = self.request
        for retries in range(1, self.CONNECTION_TRY_LIMIT + 1):
            try:
                connection = pool.lend()
                try:
                    request.LOG_TOKEN = self.LOG_TOKEN
                    request.LOG_DATA = self.LOG_DATA
                    request.LOG_PID = self.LOG_PID
                    r = request.perform(connection)
                    self._request_performed = True
                    reason = r.reason
                    self._status_code, self._status = r.status, (
                        unquote(reason) if '%' in reason else reason)
                    r_headers = r.getheaders()
                    view = r.msg.plain_view() if type(r.msg) is (
                        _PlainMessage) else None
                    if view is not None and not (
                            self._headers_to_decode or self._header_prefices):
                        # ASCII values, the last of each name, as below
                        self._headers = dict(view[3])
                    elif self._headers_to_decode or self._header_prefices:
                        enc_headers = self._get_headers_to_decode(r_headers)
                        self._headers = headers = dict()
                        for k, v in r_headers:
                            key = k.lower()
                            headers[key] = _header_text(
                                v, key in enc_headers)
                    else:
                        self._headers = headers = dict()
                        for k, v in r_headers:
                            headers[k.lower()] = v if v.isascii() else (
                                _header_text(v, False))
                    # NB: the lines are formatted only when they are logged
                    debug = kc.recvlog.isEnabledFor(kc.DEBUGV)
                    if debug:
                        self._log_head(r_headers)
                    self._content = r.read()
                    if debug:
                        self._log_body()
                finally:
                    pool.give_back(connection)
                break
            except http.client.HTTPException as err:
                if retries >= self.CONNECTION_TRY_LIMIT:
                    raise kc.ClientError(
                        'Connection to %s failed %s times (%s: %s )' % (
                            self.request.url, retries, type(err), err))

    def _log_head(self, r_headers):
        """kamaki's DEBUGV lines of an answer's status and headers."""
        kc.recvlog.log(kc.DEBUGV, '%d %s' % (
            self._status_code, self._status))
        for k, v in r_headers:
            kc.recvlog.log(kc.DEBUGV, '  %s: %s' % (k.lower(), v))

    def _log_body(self):
        """kamaki's DEBUGV lines of an answer's body."""
        kc.recvlog.log(kc.DEBUGV, 'data size: %s' % (
            len(self._content) if self._content else 0))
        if self.LOG_DATA and self._content:
            data = utils.escape_ctrl_chars(self._content)
            if self._token:
                data = data.replace(self._token, '...')
            kc.recvlog.log(kc.DEBUGV, data)

    def text(self):
        """#11: Python 2 ``'%s' % content`` was the body text; on Python 3
        it is ``"b'...'"``, which hid the error message from ClientError."""
        self._get_response()
        content = self._content
        if isinstance(content, bytes):
            return content.decode('utf-8', 'replace')
        return '%s' % content

    def performed(name):
        """A ``ResponseManager`` property as upstream (perform the request
        once, then read ``name``), the check made before calling
        ``_get_response``: kamaki reads three or four of them a call."""
        def read(self):
            if not self._request_performed:
                self._get_response()
            return getattr(self, name)
        return property(read)

    def json_property(self):
        """Upstream's ``json``, the same check made before the call."""
        if not self._request_performed:
            self._get_response()
        try:
            return json.loads(self._content)
        except ValueError as err:
            raise kc.ClientError('Response not formated in JSON - %s' % err)

    def client_error_init(self, message, status=0, details=None):
        """#12: Python 2 took the fault name with ``keys()[0]``; on Python 3
        that raised and the message fell back to the raw body, details
        empty.  Same parsing, with ``next(iter(...))``."""
        kc.log.debug('ClientError: msg[%s], sts[%s], dtl[%s]' % (
            message, status, details))
        try:
            message += '' if message and message[-1] == '\n' else '\n'
            serv_stat, sep, new_msg = message.partition('{')
            new_msg = sep + new_msg[:-1 if new_msg.endswith('\n') else 0]
            json_msg = json.loads(new_msg)
            key = next(iter(json_msg))
            serv_stat = serv_stat.strip()
            json_msg = json_msg[key]
            message = '%s %s (%s)\n' % (
                serv_stat, key, json_msg['message']) if (
                    'message' in json_msg) else '%s %s' % (serv_stat, key)
            status = json_msg.get('code', status)
            if 'details' in json_msg:
                if not details:
                    details = []
                if not isinstance(details, list):
                    details = [details]
                if json_msg['details']:
                    details.append(json_msg['details'])
        except Exception:
            pass
        finally:
            while message.endswith('\n\n'):
                message = message[:-1]
            Exception.__init__(self, message)
            self.message = message
            self.status = status if isinstance(status, int) else 0
            self.details = details if details else []

    RequestManager, ResponseManager = kc.RequestManager, kc.ResponseManager
    new_object = object.__new__

    def lowered(keys):
        # what the headers_to_quote / headers_to_decode / header_prefices
        # setters of a new manager keep (called when there are keys)
        return list(set([k.lower() for k in keys]))

    def request(self, method, path, async_headers=dict(),
                async_params=dict(), **kwargs):
        """kamaki's ``Client.request``: the same request and the same
        ``ResponseManager`` back (performed unless ``success=None``), its
        managers filled in directly instead of through their
        ``__init__`` and property setters, the send log formatted only
        when it is on.  The manager gets the client's transport (if
        any)."""
        assert isinstance(method, str)
        assert method
        assert isinstance(path, str)
        try:
            headers = dict(self.headers)
            headers.update(async_headers)
            params = dict(self.params)
            params.update(async_params)
            success = kwargs.pop('success', 200)
            data = kwargs.pop('data', None)
            headers.setdefault('X-Auth-Token', self.token)
            if 'json' in kwargs:
                data = json.dumps(kwargs.pop('json'))
                headers.setdefault('Content-Type', 'application/json')
            if data:
                headers.setdefault('Content-Length', '%s' % len(data))
            if kc.sendlog.isEnabledFor(kc.DEBUGV):
                plog = ('\t[%s]' % self) if self.LOG_PID else ''
                kc.sendlog.log(kc.DEBUGV, '\n\nCMT %s@%s%s', method,
                               self.endpoint_url, plog)
            # RequestManager.__init__ and its setters
            req = new_object(RequestManager)
            upper = method.upper()
            assert upper in kc.HTTP_METHODS, 'Invalid http method %s' % (
                upper)
            req.headers = headers
            req.method, req.data = upper, data
            req.scheme, req.netloc = req._connection_info(
                self.endpoint_url, path, params)
            keys = self.request_headers_to_quote
            req._headers_to_quote = lowered(keys) if keys else []
            keys = self.request_header_prefices_to_quote
            req._header_prefices = lowered(keys) if keys else []
            # ResponseManager.__init__ and its setters
            r = new_object(ResponseManager)
            r.CONNECTION_TRY_LIMIT = 1 + self.CONNECTION_RETRY_LIMIT
            r.request = req
            r._request_performed = False
            r.poolsize = self.poolsize
            keys = self.response_headers
            r._headers_to_decode = lowered(keys) if keys else []
            keys = self.response_header_prefices
            r._header_prefices = lowered(keys) if keys else []
            r.LOG_TOKEN, r.LOG_DATA, r.LOG_PID = (
                self.LOG_TOKEN, self.LOG_DATA, self.LOG_PID)
            r._token = headers['X-Auth-Token']
            r.occi_transport = getattr(self, 'occi_transport', None)
        finally:
            self.headers = dict()
            self.params = dict()

        if success is not None:
            # Success can either be an int or a collection
            success = (success,) if isinstance(success, int) else success
            if r.status_code not in success:
                kc.log.debug(u'Client caught error %s (%s)' % (r, type(r)))
                status_msg = getattr(r, 'status', '')
                try:
                    message = u'%s %s\n' % (status_msg, r.text)
                except Exception:
                    message = u'%s %s\n' % (status_msg, r)
                status = getattr(r, 'status_code', getattr(r, 'status', 0))
                raise kc.ClientError(message, status=status)
        return r

    kc._encode = _encode
    kc.strip_version = strip_version
    kc.RequestManager._connection_info = _connection_info
    kc.RequestManager._encode_headers = _encode_headers
    kc.RequestManager.perform = perform
    kc.ResponseManager._get_headers_to_decode = _get_headers_to_decode
    kc.ResponseManager._get_response = _get_response
    kc.ResponseManager._perform_pooled = _perform_pooled
    kc.ResponseManager._log_head = _log_head
    kc.ResponseManager._log_body = _log_body
    kc.ResponseManager.text = property(text)
    kc.ResponseManager.json = property(json_property)
    for name in ('status_code', 'status', 'headers', 'content'):
        setattr(kc.ResponseManager, name, performed('_' + name))
    # the transport of managers that Client.request did not make
    kc.ResponseManager.occi_transport = None
    kc.ClientError.__init__ = client_error_init
    kc.Client.request = request


def _patch_https(https):
    def connect(self):
        """#14: Python 2 kamaki used ``ssl.wrap_socket`` (no SNI, no host
        name check; removed in 3.12).  Now an ``SSLContext``: the
        transport's one, else one built from kamaki's class-level
        ``ca_file``/``ignore_ssl`` (what ``patch_with_certs`` and
        ``patch_ignore_ssl`` set), always with SNI."""
        sock = socket.create_connection(
            (self.host, self.port), self.timeout, self.source_address)
        if self._tunnel_host:
            self.sock = sock
            self._tunnel()
        ctx = getattr(self, 'occi_ssl_context', None)
        if ctx is None:
            ctx = make_ssl_context(self.ca_file, self.ignore_ssl)
        self.sock = ctx.wrap_socket(
            sock, server_hostname=self._tunnel_host or self.host)

    https.HTTPSClientAuthConnection.connect = connect


def _patch_objpool(objpool, objpool_http):
    def pool_repr(self):
        """#15: the Python 2 private ``_Semaphore__value`` is ``_value``."""
        return ('<pool %d: size=%d, len(_set)=%d, semaphore=%d>' % (
            id(self), self.size, len(self._set), self._semaphore._value))

    orig_verify = objpool_http.HTTPConnectionPool._pool_verify

    def _pool_verify(self, conn):
        """#16: on Python 2 unread response bytes stayed in the socket, so
        ``select`` saw them and the connection was dropped.  Python 3's
        buffered reader hides them: refuse a connection whose last
        response was never finished."""
        if conn is not None and _unfinished(conn):
            conn.close()
            return False
        return orig_verify(self, conn)

    def _pool_cleanup(self, conn):
        """#16: close (do not pool) a connection returned with its response
        unread, e.g. after a timeout or a connection dropped mid-response;
        reused, its next request spun for kamaki's 60 s TIMEOUT.

        Otherwise upstream's rule (reuse an idle connection until it has
        served ``USAGE_LIMIT`` requests), without its probe: upstream
        called ``getresponse()`` to have http.client forget the finished
        response and raise ``ResponseNotReady``, an exception on every
        request; here the finished response is forgotten directly."""
        if _unfinished(conn):
            conn.close()
            return True
        conn._pool_use_counter -= 1
        if (conn._pool_use_counter > 0
                and conn._HTTPConnection__state == http.client._CS_IDLE):
            conn._HTTPConnection__response = None
            return False
        conn.close()
        return True

    objpool.ObjectPool.__repr__ = pool_repr
    objpool_http.HTTPConnectionPool._pool_verify = _pool_verify
    objpool_http.HTTPConnectionPool._pool_cleanup = _pool_cleanup


def _patch_astakosclient(ac):
    from astakosclient import utils as ac_utils
    from astakosclient.errors import (
        AstakosClientException, BadRequest, ConnectionError, Forbidden,
        InvalidResponse, NotFound, Unauthorized)
    import copy
    import hashlib

    # #4: Python 2's urllib.quote/unquote/urlencode, for this module only
    ac.urllib = _py2_module(
        'urllib', quote=quote, unquote=unquote, urlencode=urlencode)

    def _do_request(conn, method, url, **kwargs):
        """#18: Python 2's ``read(length)`` accepted the header string;
        and the body comes back as text, as Python 2's ``str`` did."""
        conn.request(method, url, **kwargs)
        response = conn.getresponse()
        length = response.getheader('content-length', None)
        data = response.read(int(length)) if length else response.read()
        status = int(response.status)
        message = response.reason
        return (message, data.decode('utf-8', 'replace'), status)

    @ac_utils.retry_dec
    def _call_astakos(self, request_path, headers=None,
                      body=None, method="GET", log_body=True):
        """#17: ``sha1().update`` needs bytes (Python 2 took ``str``);
        #19: ``json.loads(unicode(data))``, ``unicode`` is gone.
        Otherwise upstream's code."""
        hashed_token = hashlib.sha1()
        hashed_token.update(('%s' % self.token).encode('utf-8'))
        self.logger.debug(
            "Make a %s request to %s, using token with hash %s, "
            "with headers %r and body %r",
            method, request_path, hashed_token.hexdigest(), headers,
            body if log_body else "(not logged)")
        request_headers = copy.copy(self.headers) if self.headers else {}
        if headers is not None:
            request_headers.update(headers)
        if body is None:
            body = {}
        self.log_request = None
        self.log_response = None
        kwargs = {}
        kwargs['headers'] = request_headers
        kwargs['headers']['X-Auth-Token'] = self.token
        if body:
            kwargs['body'] = copy.copy(body)
            kwargs['headers'].setdefault(
                'content-type', 'application/octet-stream')
        kwargs['headers'].setdefault('content-length',
                                     len(body) if body else 0)
        try:
            with self.conn_class(self.astakos_base_url) as conn:
                self.log_request = dict(method=method, path=request_path)
                self.log_request.update(kwargs)
                (message, data, status) = ac._do_request(
                    conn, method, request_path, **kwargs)
                self.log_response = dict(
                    status=status, message=message, data=data)
        except Exception as err:
            self.logger.error("Failed to send request: %r", err)
            raise ConnectionError(err)
        self.logger.debug("Request returned with status %s", status)
        if status == 400:
            raise BadRequest(message, data)
        elif status == 401:
            raise Unauthorized(message, data)
        elif status == 403:
            raise Forbidden(message, data)
        elif status == 404:
            raise NotFound(message, data)
        elif status < 200 or status >= 300:
            raise AstakosClientException(
                message=message, status=status, response=data)
        try:
            if data:
                return json.loads(data)
            return None
        except Exception as err:
            msg = "Cannot parse response \"%r\" with json: %s"
            self.logger.error(msg % (data, str(err)))
            raise InvalidResponse(message=str(err), response=data)

    ac._do_request = _do_request
    ac.AstakosClient._call_astakos = _call_astakos


def apply():
    """Patch kamaki, astakosclient and objpool for Python 3 (idempotent).

    Raises :class:`KamakiCompatError` if the installed versions are not the
    ones listed in :data:`REQUIRED_VERSIONS`.
    """
    global _applied
    with _lock:
        if _applied:
            return
        check_versions()
        already = [m for m in ('kamaki.clients', 'astakosclient', 'objpool')
                   if m in sys.modules]
        if already:
            raise KamakiCompatError(
                '%s imported before kamaki_py3.apply()' % ', '.join(already))
        objpool, objpool_http, _, _, ac, utils, https, kc = (
            _import_with_python2_names(_MODULES))
        _patch_kamaki_utils(utils)          # #5, #13, before services bind
        _patch_kamaki_clients(kc, utils)    # #6-#12
        _patch_https(https)                 # #14
        _patch_objpool(objpool, objpool_http)  # #15, #16
        _patch_astakosclient(ac)            # #4, #17-#19
        _import_with_python2_names(_SERVICE_MODULES)
        _applied = True
        log.debug('kamaki %s patched for Python %s',
                  REQUIRED_VERSIONS['kamaki'], sys.version.split()[0])


def applied():
    """Whether :func:`apply` has run in this process."""
    return _applied
