"""``egg:occi_pyramid#waitress``: waitress for ``pserve``, with one-line
errors instead of tracebacks for the two mistakes a deployment makes
first: no port to listen on, and a port already in use.

In an ini file::

    [server:main]
    use = egg:occi_pyramid#waitress
    # the port comes from the command line: pserve app.ini http_port=6543
    host = 127.0.0.1
    threads = 16

Every other key is a waitress setting, as with ``egg:waitress#main``.
The port is ``http_port`` from the command line when given (PasteDeploy
passes command-line variables as the global configuration), else the
section's ``port`` or ``listen``.  The port is checked when pserve loads
the server, before it loads the application, so a busy port is reported
before any store migration or cloud call.

:func:`patch_waitress` mends two things in waitress 3, for every server
of the process.  Both app factories (``egg:occi_pyramid#main`` and
``#simulator``) call it too, so an ini that serves them with
``egg:waitress#main`` gets the mends as well:

* :func:`answer_bad_uris` makes it answer 400 to a request target it
  cannot split (``GET http://[::1/compute/``: ``urlsplit`` raises
  ``ValueError``, which waitress 3 does not catch, and the connection
  closes with no answer at all);
* :func:`keep_alive_without_body` keeps an HTTP/1.1 connection open
  after an answer that has no body (204, 304): waitress closes it,
  because such an answer has no ``Content-Length`` (which RFC 9110
  §8.6 forbids on a 204), though its end is known (RFC 9112 §6.3).  A
  client then connects again for its next request: the simulator
  answers Synnefo's ``DELETE`` with 204, and every delete cost the next
  cloud call a new connection.
"""
import errno

#: the message's hint, per missing piece
_USAGE = 'run one process per port: pserve %s http_port=6543'


class ServerError(SystemExit):
    """A one-line error: pserve (and Python) print it and exit with 1."""

    def __init__(self, message):
        super().__init__('occi-pyramid: ' + message)


def server_factory(global_conf, **settings):
    """The ``paste.server_factory``: bind now, serve the app later."""
    from waitress.server import create_server

    ini = global_conf.get('__file__', 'the ini file')
    port = global_conf.get('http_port')
    if port is not None:
        if not str(port).strip().isdigit():
            raise ServerError('http_port=%s is not a port number; %s' % (
                port, _USAGE % ini))
        port = str(port).strip()
        if 'listen' in settings:
            # keep the section's hosts (loopback), change their port
            settings['listen'] = ' '.join(
                '%s:%s' % (entry.rsplit(':', 1)[0], port)
                for entry in settings['listen'].split())
        else:
            settings['port'] = port
    elif 'port' not in settings and 'listen' not in settings:
        raise ServerError('no port to listen on (%s has no port or listen '
                          'in [server:main]); %s' % (ini, _USAGE % ini))
    where = settings.get('listen') or '%s:%s' % (
        settings.get('host', '0.0.0.0'), settings.get('port', 8080))
    try:
        check_free(settings)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(
                '%s is already in use (another server runs there?); stop it '
                'or choose another port' % where) from None
        raise ServerError('cannot listen on %s: %s' % (
            where, exc.strerror or exc)) from None

    def serve(app):
        from waitress import serve as waitress_serve

        patch_waitress()
        waitress_serve(app, **settings)

    return serve


def patch_waitress():
    """Both mends (once per process: each checks whether it is in)."""
    answer_bad_uris()
    keep_alive_without_body()


def keep_alive_without_body():
    """Make waitress keep an HTTP/1.1 connection open after an answer
    without a body (1xx, 204, 304) when nothing else asks to close it
    (the request's ``Connection`` header, HTTP/1.0, an error).  Once per process; a waitress whose task has no
    ``build_response_header`` or ``has_body`` is left alone."""
    from waitress.task import Task

    original = getattr(Task, 'build_response_header', None)
    if (original is None or not hasattr(Task, 'has_body')
            or getattr(original, 'occi_guarded', False)):
        return

    def build_response_header(self):
        keep = (
            not self.has_body and self.version == '1.1'
            and not self.close_on_finish
            and self.request.headers.get('CONNECTION', '').lower()
            != 'close')
        header = original(self)
        if keep and self.close_on_finish:
            # NB: only the missing length closed it; the header waitress
            # added for that goes too
            self.close_on_finish = False
            self.response_headers = [
                pair for pair in self.response_headers
                if pair != ('Connection', 'close')]
            header = header.replace(b'\r\nConnection: close\r\n', b'\r\n',
                                    1)
        return header

    build_response_header.occi_guarded = True
    Task.build_response_header = build_response_header


def answer_bad_uris():
    """Make waitress's request-target parser turn every ``ValueError``
    into the ``ParsingError`` it answers with 400 "Bad Request" (it
    catches only ``UnicodeError``; ``urlsplit`` raises ``ValueError`` for
    a bracket that does not close).  Once per process; a waitress whose
    parser has no ``split_uri`` is left alone."""
    from waitress import parser

    original = getattr(parser, 'split_uri', None)
    if original is None or getattr(original, 'occi_guarded', False):
        return

    def split_uri(uri):
        try:
            return original(uri)
        except parser.ParsingError:
            raise
        except ValueError as exc:
            raise parser.ParsingError('Bad URI: %s' % exc) from exc

    split_uri.occi_guarded = True
    parser.split_uri = split_uri


def check_free(settings):
    """Bind each address waitress would listen on, and let it go again.

    NB: waitress binds only when it serves, after pserve has loaded the
    app, so that a restarting process refuses connections (nginx tries
    another) instead of queueing them while it loads; this trial bind
    reports a busy port at once, before the app loads.
    """
    import socket

    from waitress.adjustments import Adjustments

    for family, kind, proto, address in Adjustments(**settings).listen:
        with socket.socket(family, kind, proto) as sock:
            # as waitress does, so a port in TIME_WAIT counts as free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
