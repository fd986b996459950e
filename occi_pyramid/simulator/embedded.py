"""Run the simulator inside the current process, on a loopback port.

The OCCI app uses this when ``occi.synnefo.auth_url = embedded`` so that
``make run`` needs no second process; tests use it (through
:mod:`.testing`) to talk to the simulator over real sockets.
"""
import logging
import threading

from waitress.channel import HTTPChannel
from waitress.server import create_server

log = logging.getLogger(__name__)


class RunningSimulator:
    """A simulator served by waitress in a daemon thread.

    :ivar url: base URL, e.g. ``http://127.0.0.1:41234``.
    :ivar auth_url: the identity URL kamaki wants (``<url>/identity/v2.0``).
    :ivar host: the bound address.
    :ivar port: the bound port.
    :ivar app: the WSGI app; ``app.registry.simulator`` is the
        :class:`~occi_pyramid.simulator.app.Simulator`.
    """

    def __init__(self, app, server, thread):
        self.app = app
        self.simulator = app.registry.simulator
        self._server = server
        self._thread = thread
        self.host = server.effective_host
        self.port = int(server.effective_port)
        self.url = 'http://%s:%d' % (self.host, self.port)
        self.auth_url = self.url + '/identity/v2.0'

    def stop(self, timeout=10):
        """Close the listening socket and every connection, join the
        thread and release the database."""
        server, self._server = self._server, None
        if server is None:
            return
        stop_waitress(server, self._thread, timeout)
        self.simulator.db_engine.dispose()
        log.info('simulator on %s stopped', self.url)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def __repr__(self):
        return '<RunningSimulator %s>' % self.url


def stop_waitress(server, thread, timeout=10):
    """Stop a waitress ``server`` run by ``thread``: let the workers
    finish, close the listener and every channel, join the thread."""
    # NB: first let the worker threads finish their tasks (each ends by
    # pulling the trigger, which must still be open); then the server
    # thread closes every channel itself (a trigger thunk runs inside its
    # asyncore loop), and an empty map ends the loop.
    server.task_dispatcher.shutdown(timeout=timeout)
    try:
        server.trigger.pull_trigger(lambda: _close_all(server))
    except OSError:
        # NB: waitress queues the thunk under its lock but writes the
        # wake-up byte after releasing it, so the loop can run the thunk
        # on an earlier byte (a worker's) and close the pipe before our
        # write: EBADF then means the close has happened.
        if not server.trigger._closed:
            raise
    thread.join(timeout)


def _close_all(server):
    for channel in list(server._map.values()):
        if isinstance(channel, HTTPChannel):
            channel.handle_close()
        else:
            channel.close()


def start_simulator(settings, host='127.0.0.1', port=0, threads=8):
    """Build the simulator from ``settings`` and serve it in a thread.

    :param settings: ``simulator.*`` settings (see docs/simulator.md).
    :param host: the address to bind (loopback by default).
    :param port: the port; 0 picks a free one.
    :param threads: waitress worker threads.
    :returns: a :class:`RunningSimulator`; call ``.stop()`` when done.
    """
    from . import main

    app = main({}, **settings)  # NB: with waitress's mends
    server = create_server(app, host=host, port=port, threads=threads,
                           ident='synnefo-simulator')
    thread = threading.Thread(target=server.run, name='synnefo-simulator',
                              daemon=True)
    thread.start()
    running = RunningSimulator(app, server, thread)
    log.info('simulator listening on %s', running.url)
    return running
