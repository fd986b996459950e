"""The repository is self-contained: no tracked file cites notes that a
clone does not have (the reference digests the project was started from).
Cite the public specs (GFD.18x/22x, RFCs, Synnefo's documentation) or the
project's own docs/ instead (docs/specs.md, docs/kamaki.md)."""
import os
import re
import subprocess

from tests.e2e.conftest import ROOT

#: the names of those notes, as a citation spells them
CITED = re.compile(r'\b(occi|style|kamaki-py3|synnefo-api)\.md\b|\.\./shared\b'
                   r'|shared/docs\b')


#: this file, whose pattern spells the names it looks for
THIS = os.path.relpath(__file__, ROOT)


def tracked_files():
    listed = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT,
                            capture_output=True, check=True).stdout
    return [name for name in listed.decode().split('\0') if name]


def test_no_tracked_file_cites_notes_outside_the_repository():
    offenders = []
    for name in tracked_files():
        if name == THIS:
            continue  # the pattern above names them
        path = os.path.join(ROOT, name)
        if not os.path.isfile(path):
            continue
        with open(path, 'rb') as f:
            text = f.read().decode('utf-8', 'replace')
        for number, line in enumerate(text.splitlines(), 1):
            if CITED.search(line):
                offenders.append('%s:%d: %s' % (name, number, line.strip()))
    assert not offenders, '\n'.join(offenders)
