"""The seam holds: nothing below the views reaches back up.  Backends and
the model import neither traversal, the views, the user-mixin layer nor
Pyramid's request, and never name a ``request`` (docs/backends.md)."""
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


@pytest.mark.parametrize('path', LOWER, ids=lambda p: p.relative_to(
    PACKAGE).as_posix())
def test_nothing_below_the_views_reaches_up(path):
    upward = [name for name in imported(path)
              if name.startswith(UPWARD)]
    assert upward == []
    if path.relative_to(PACKAGE).as_posix() in HTTP_LAYER:
        return
    names = {node.id for node in ast.walk(ast.parse(path.read_text(
        encoding='utf-8'))) if isinstance(node, ast.Name)}
    names |= {node.arg for node in ast.walk(ast.parse(path.read_text(
        encoding='utf-8'))) if isinstance(node, ast.arg)}
    assert 'request' not in names


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
