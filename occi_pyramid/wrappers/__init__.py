"""What the server adds around any backend's OCCI session.

``request.occi`` is the backend's :class:`~occi_pyramid.interfaces.
IOCCISession` inside two wrappers, each an :class:`IOCCISession` too and
each kept in the store (:mod:`occi_pyramid.store`):

* :mod:`.deferred`: work the cloud refuses only for now (a link to a
  compute being built, a delete while a task runs) is accepted at once
  and carried out by the server as soon as the cloud allows it;
* :mod:`.usermixins`: the caller's user mixins, which no cloud holds.

:class:`~.base.SessionWrapper` is their one base: it forwards every
operation to the session inside, so a wrapper states only what it adds.
This package imports nothing of Pyramid's and nothing of the module that
composes it (:mod:`occi_pyramid.seam`).
"""
