"""occi-pyramid: an OCCI 1.1/1.2 server for Synnefo clouds."""
from pyramid.config import Configurator

from .settings import __version__  # noqa: F401


def main(global_config, **settings):
    """The paste app factory: compose the subsystems, nothing else."""
    with Configurator(settings=settings) as config:
        config.include('.settings')
    return config.make_wsgi_app()
