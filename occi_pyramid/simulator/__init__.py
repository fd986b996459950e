"""An embedded, faithful Synnefo API simulator (identity, account,
compute, network, volume and Plankton image services).

``main`` is the paste app factory (``use = egg:occi_pyramid#simulator``);
:mod:`.embedded` runs it in a background thread and :mod:`.testing`
offers a context manager and a control client for tests. See
docs/simulator.md.
"""
import types


class SimulatorApp:
    """The simulator's WSGI callable; ``app.registry.simulator`` is the
    :class:`~occi_pyramid.simulator.app.Simulator` (the attribute path a
    Pyramid app would offer)."""

    def __init__(self, simulator):
        self.simulator = simulator
        self.registry = types.SimpleNamespace(simulator=simulator)

    def __call__(self, environ, start_response):
        return self.simulator.wsgi(environ, start_response)


def main(global_config, **settings):
    """Build the simulator WSGI app from ``simulator.*`` settings."""
    from ..server import patch_waitress
    from .app import Simulator

    # NB: waitress's mends go with the app, whatever serves it
    # (egg:waitress#main too): see occi_pyramid.server
    patch_waitress()
    return SimulatorApp(Simulator(settings))
