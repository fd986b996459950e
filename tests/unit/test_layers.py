"""The seam holds: nothing below the views reaches back up.  Backends and
the model import neither traversal, the views, the user-mixin layer nor
Pyramid's request, and never name a ``request`` (docs/backends.md); the
store knows no request either, and the views reach it only through
``request.occi`` (docs/architecture.md)."""
import ast
import pathlib

import pytest

import occi_pyramid

PACKAGE = pathlib.Path(occi_pyramid.__file__).parent
#: what a backend or the model must not import
UPWARD = ('occi_pyramid.contexts', 'occi_pyramid.views',
          'occi_pyramid.seam', 'occi_pyramid.wrappers',
          'occi_pyramid.store', 'pyramid.request', 'pyramid.threadlocal')
LOWER = sorted(
    path for folder in ('backends', 'model')
    for path in (PACKAGE / folder).rglob('*.py'))
#: NB: kamaki's HTTP layer, patched there, names its HTTP requests
#: ``request``; it is no Pyramid request
HTTP_LAYER = ('backends/synnefo/kamaki_py3.py',)


def imported(path):
    """The absolute names of the modules ``path`` imports."""
    package = path.relative_to(PACKAGE.parent).with_suffix('').parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) \
                if node.level else []
            module = '.'.join(base + ([node.module] if node.module else []))
            yield module
            yield from (module + '.' + alias.name for alias in node.names)


def test_the_layers_are_found():
    names = {p.relative_to(PACKAGE).as_posix() for p in LOWER}
    assert {'backends/__init__.py', 'backends/synnefo/occi.py',
            'backends/synnefo/handlers/compute.py',
            'model/core.py'} <= names


def names(path):
    """The names ``path`` reads or binds, and its functions' arguments."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    found = {node.id for node in ast.walk(tree)
             if isinstance(node, ast.Name)}
    return found | {node.arg for node in ast.walk(tree)
                    if isinstance(node, ast.arg)}


@pytest.mark.parametrize('path', LOWER, ids=lambda p: p.relative_to(
    PACKAGE).as_posix())
def test_nothing_below_the_views_reaches_up(path):
    upward = [name for name in imported(path)
              if name.startswith(UPWARD)]
    assert upward == []
    if path.relative_to(PACKAGE).as_posix() in HTTP_LAYER:
        return
    assert 'request' not in names(path)


STORE = sorted((PACKAGE / 'store').rglob('*.py'))
#: what the store must not import: everything that sees a request (its
#: command line reads an ini file with pyramid.paster: no request)
ABOVE_THE_STORE = tuple(name for name in UPWARD
                        if name != 'occi_pyramid.store') + (
    'occi_pyramid.categories', 'occi_pyramid.request')


def test_the_store_is_found():
    found = {p.relative_to(PACKAGE).as_posix() for p in STORE}
    assert {'store/__init__.py', 'store/api.py', 'store/pending.py',
            'store/cache.py', 'store/database.py'} <= found


@pytest.mark.parametrize('path', STORE, ids=lambda p: p.relative_to(
    PACKAGE).as_posix())
def test_the_store_knows_no_request(path):
    """The store takes plain values (user ids, type ids, locations) and
    answers records or model objects: it imports nothing that sees a
    request and never names a ``request``; the layer above (seam.py,
    wrappers/) reads the request for it."""
    assert [name for name in imported(path)
            if name.startswith(ABOVE_THE_STORE)] == []
    assert 'request' not in names(path)


VIEWS = sorted((PACKAGE / 'views').rglob('*.py'))


@pytest.mark.parametrize('path', VIEWS, ids=lambda p: p.relative_to(
    PACKAGE).as_posix())
def test_the_views_reach_the_store_only_through_the_session(path):
    """The views see user mixins as model objects, through
    ``request.occi``: never the store or its records."""
    assert [name for name in imported(path)
            if name.startswith('occi_pyramid.store')] == []


def test_the_import_reader_sees_relative_imports():
    found = set(imported(PACKAGE / 'backends' / 'synnefo' /
                         'operations.py'))
    assert 'occi_pyramid.locations.parse_entity_location' in found
    assert 'occi_pyramid.backends.synnefo.handlers.HANDLERS' in found


WRAPPERS = sorted((PACKAGE / 'wrappers').rglob('*.py'))


@pytest.mark.parametrize('path', WRAPPERS, ids=lambda p: p.relative_to(
    PACKAGE).as_posix())
def test_the_session_wrappers_are_one_layer_below_the_seam(path):
    """The wrappers around a backend's session (deferred work, user
    mixins) import neither the seam that composes them, traversal, the
    views, nor anything of Pyramid's: no import circle, no request."""
    names = list(imported(path))
    assert [name for name in names if name.startswith((
        'occi_pyramid.seam', 'occi_pyramid.contexts', 'occi_pyramid.views',
        'pyramid'))] == []


def test_the_seam_composes_the_wrappers():
    found = set(imported(PACKAGE / 'seam.py'))
    assert 'occi_pyramid.wrappers.deferred.DeferredSession' in found
    assert 'occi_pyramid.wrappers.usermixins.UserMixinSession' in found
