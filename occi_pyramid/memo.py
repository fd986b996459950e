"""Values made once from objects that do not change, and shared.

A request reads values that change only with a cached listing or store
read: the categories merged from the cloud's templates and the store's
mixins, the user mixins built of the store's records, the caller's
deferred rows sorted out.  The listings and reads are shared objects
while they last, so what is made of them can be shared too, keyed by
their identity (docs/decisions.md, "Shared, read-only values made once
per cached listing").
"""


class KeptFor:
    """Values keyed by the identity of the objects each was made from.

    An entry holds those objects, so no other object can take their ids
    while it is kept: an equal key means the same objects.  At most
    ``size`` entries are kept; all go when full.  Thread-safe enough:
    single dict operations are atomic in CPython, and a lost entry only
    costs making the value again.  The values are shared: callers must
    not change them.
    """

    def __init__(self, size):
        self.size = size
        self._entries = {}

    def get(self, sources, make):
        """The value made of ``sources`` (a tuple of objects), made with
        ``make()`` when none is kept."""
        key = tuple(map(id, sources))
        entry = self._entries.get(key)
        if entry is None:
            entry = (sources, make())
            if len(self._entries) >= self.size:
                self._entries = {}
            self._entries[key] = entry
        return entry[1]
