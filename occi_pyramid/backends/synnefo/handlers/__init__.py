"""One handler per Kind: the Synnefo work behind each OCCI operation.

Compute = server (:mod:`.compute`), Network = network, with its IPv4
subnet as ipnetwork (:mod:`.network`), Storage = volume
(:mod:`.storage`), NetworkInterface = port, with a floating IP on the
public network (:mod:`.networkinterface`), StorageLink = volume
attachment (:mod:`.storagelink`), IPReservation = floating IP
(:mod:`.ipreservation`); a compute's inline links are
:mod:`.inline`.  Each gets the session's operations
(:class:`..operations.SynnefoOperations`) as ``self.ops``, reads through
its per-request listings (one list call per collection, never one per
entity) and translates with :mod:`..translate`; cloud errors reach the
handlers already mapped (:mod:`..errors`).
"""
from .compute import ComputeHandler
from .ipreservation import IPReservationHandler
from .network import NetworkHandler
from .networkinterface import NetworkInterfaceHandler
from .storage import StorageHandler
from .storagelink import StorageLinkHandler

#: Kind type id -> its handler class
HANDLERS = {
    handler.kind.type_id: handler for handler in (
        ComputeHandler, NetworkHandler, StorageHandler,
        NetworkInterfaceHandler, StorageLinkHandler, IPReservationHandler)
}
