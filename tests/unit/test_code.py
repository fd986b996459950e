"""The package's own code, read by pyflakes: no name is defined twice in
one module.  A second ``def`` of a name takes over every caller of the
first, silently (a helper added under a name a module already had made
every GET of the simulator read a row another way)."""
import ast
import pathlib

from pyflakes import checker, messages

import occi_pyramid

PACKAGE = pathlib.Path(occi_pyramid.__file__).parent


def redefinitions(path):
    tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
    found = checker.Checker(tree, filename=str(path)).messages
    return [str(m) for m in found
            if isinstance(m, messages.RedefinedWhileUnused)]


def test_no_name_of_the_package_is_defined_twice_in_a_module():
    found = [line for path in sorted(PACKAGE.rglob('*.py'))
             for line in redefinitions(path)]
    assert found == []


def test_a_second_definition_is_found(tmp_path):
    module = tmp_path / 'twice.py'
    module.write_text('def f():\n    return 1\n\n\ndef f():\n    return 2\n')
    assert len(redefinitions(module)) == 1
