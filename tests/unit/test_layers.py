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
          'occi_pyramid.seam', 'occi_pyramid.usermixins',
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
    found = set(imported(PACKAGE / 'backends' / 'synnefo' / 'occi.py'))
    assert 'occi_pyramid.locations.parse_entity_location' in found
    assert 'occi_pyramid.backends.synnefo.handlers.HANDLERS' in found
