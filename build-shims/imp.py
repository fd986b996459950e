"""The one piece of the removed ``imp`` module that astakosclient 0.19's
``setup.py`` uses (``from imp import load_source``), for building its
sdist into a wheel on Python 3.12+, where ``imp`` is gone (PEP 594).

Only the Makefile's wheel build of astakosclient puts this folder on
``PYTHONPATH``; nothing imports it at run time.  See docs/deployment.md,
"Installing on Python 3.12 and 3.13".
"""
import importlib.util
import sys


def load_source(name, pathname):
    """Load the Python file ``pathname`` as module ``name`` (what
    ``imp.load_source`` did)."""
    spec = importlib.util.spec_from_file_location(name, pathname)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
