"""occi-pyramid: an OCCI 1.1/1.2 server for Synnefo clouds."""
from pyramid.config import Configurator

from .fastpaths import freeze_request_extensions
from .server import patch_waitress
from .settings import __version__  # noqa: F401


def main(global_config, **settings):
    """The paste app factory: compose the subsystems, nothing else."""
    # NB: waitress's mends go with the app, whatever serves it
    # (egg:waitress#main too): see occi_pyramid.server
    patch_waitress()
    with Configurator(
        settings=settings, root_factory='.contexts.root_factory'
    ) as config:
        config.include('.settings')
        config.include('.tweens')
        config.include('.guards')
        config.include('.categories')
        config.include('.negotiation')
        config.include('.security')
        config.include('.checks')
        config.include('.renderers.pyramid')
        config.include('.browser')
        config.include('.backends')
        config.include('.store')
        config.include('.operations')
        config.include('.views')
        config.include('.options')
    return freeze_request_extensions(config.make_wsgi_app())
