"""Alembic migrations of the store (see :mod:`occi_pyramid.store.schema`).
"""
