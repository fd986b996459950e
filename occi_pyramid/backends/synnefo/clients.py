"""The one module that imports kamaki.

kamaki is made to run on Python 3 by :mod:`.kamaki_py3`, applied here
before the first kamaki import.  :class:`ClientFactory` builds the kamaki
clients of one request (one token): a kamaki client keeps per-call headers
and parameters on the instance, so clients are never shared between
requests or threads.  Connections are nevertheless reused: every client a
factory builds carries the factory's :class:`~.kamaki_py3.Transport`,
whose objpool pools are per process and per (scheme, host).
"""
import logging
from urllib.parse import urlparse

from . import kamaki_py3

kamaki_py3.apply()

from kamaki.clients import ClientError, KamakiSSLError  # noqa: E402
from kamaki.clients.astakos import (  # noqa: E402
    AstakosClient, AstakosClientError,
)
from kamaki.clients.cyclades import (  # noqa: E402
    CycladesBlockStorageClient, CycladesComputeClient, CycladesNetworkClient,
)
from kamaki.clients.image import ImageClient  # noqa: E402

log = logging.getLogger(__name__)

#: astakosclient sets the level of the logger it is given; give it ours
_astakos_log = logging.getLogger(__name__ + '.astakos')

#: catalog service type -> kamaki client class
SERVICE_CLIENTS = {
    'compute': CycladesComputeClient,
    'network': CycladesNetworkClient,
    'volume': CycladesBlockStorageClient,
    'image': ImageClient,
}

__all__ = [
    'ClientFactory', 'ClientError', 'KamakiSSLError', 'AstakosClientError',
    'SERVICE_CLIENTS',
]


class ClientFactory(object):
    """Builds kamaki clients for one cloud (an identity URL).

    :param auth_url: the Astakos identity URL (``.../identity/v2.0``).
    :param timeout: socket timeout, in seconds, of every connection.
    :param ca_certs: CA bundle file to verify TLS endpoints ('' = system).
    :param insecure: do not verify TLS certificates at all.
    :param pool_size: connections per (scheme, host) kept by the pools.
    """

    def __init__(self, auth_url, timeout=None, ca_certs='', insecure=False,
                 pool_size=100):
        self.auth_url = auth_url
        self.transport = kamaki_py3.Transport(
            timeout=timeout,
            ssl_context=kamaki_py3.make_ssl_context(ca_certs, insecure),
            pool_size=pool_size)

    def astakos(self, token, auth_url=None):
        """A kamaki ``AstakosClient`` for ``token`` (pooled, with timeout)."""
        url = auth_url or self.auth_url
        client = AstakosClient(url, token or '', use_pool=True,
                               logger=_astakos_log)
        # per instance: astakosclient picks its connection class at
        # construction; ours lends connections from the transport's pools
        client.conn_class = self.transport.connection_factory(
            urlparse(url).scheme)
        return client

    def service(self, service_type, endpoint_url, token):
        """A kamaki client of ``service_type`` at ``endpoint_url``."""
        cls = SERVICE_CLIENTS[service_type]
        return kamaki_py3.attach_transport(
            cls(endpoint_url, token), self.transport)

    def close(self):
        """Close idle pooled connections."""
        self.transport.close()
