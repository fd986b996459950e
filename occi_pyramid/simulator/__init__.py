"""An embedded, faithful Synnefo API simulator (identity, account,
compute, network, volume and Plankton image services).

``main`` is the paste app factory (``use = egg:occi_pyramid#simulator``);
:mod:`.embedded` runs it in a background thread and :mod:`.testing`
offers a context manager and a control client for tests. See
docs/simulator.md.
"""
from pyramid.config import Configurator


def main(global_config, **settings):
    """Build the simulator WSGI app from ``simulator.*`` settings."""
    from .app import Simulator

    simulator = Simulator(settings)
    with Configurator(settings=settings) as config:
        config.registry.simulator = simulator
        config.add_route('simulator', '/*subpath')
        config.add_view(_view, route_name='simulator')
        return config.make_wsgi_app()


def _view(request):
    return request.registry.simulator(request)
