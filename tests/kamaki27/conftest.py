"""The genuine client: kamaki 0.16 (the only kamaki on PyPI) on Python 2.7.

The tier installs kamaki 0.16 once with Python 2.7's own pip
(``pip install --target``: no virtualenv tool is needed, and none of
today's works on 2.7) into ``var/kamaki27-0.16/`` (git-ignored, reused
by later runs) and drives a simulator over real HTTP with the ``kamaki``
command line and with a library script run by Python 2.7.

Python 2.7 is found in ``$KAMAKI_PYTHON27``, in pyenv's
``~/.pyenv/versions/2.7.*`` or on the ``PATH`` as ``python2.7``. Under
``CI`` a missing Python 2.7 (or a failed install) fails the tier;
elsewhere the tier is skipped, saying why.
"""
import fcntl
import glob
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from occi_pyramid.simulator.testing import ALICE, running_simulator

KAMAKI_VERSION = '0.16'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, 'var', 'kamaki27-%s' % KAMAKI_VERSION)


def find_python27():
    """The path of a Python 2.7 interpreter, or None."""
    candidates = [os.environ.get('KAMAKI_PYTHON27')]
    candidates += sorted(glob.glob(os.path.expanduser(
        '~/.pyenv/versions/2.7*/bin/python')), reverse=True)
    candidates.append(shutil.which('python2.7'))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable(reason):
    """Fail under CI, skip elsewhere."""
    if os.environ.get('CI'):
        pytest.fail('real-kamaki tier cannot run under CI: %s' % reason)
    pytest.skip(reason)


def install(python, target):
    """kamaki 0.16 and its dependencies into ``target/lib`` (atomically:
    a failed install leaves no half cache behind)."""
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.kamaki27-', dir=parent)
    try:
        result = subprocess.run(
            [python, '-m', 'pip', 'install', '--disable-pip-version-check',
             '--no-cache-dir', '--quiet', '--target',
             os.path.join(staging, 'lib'), 'kamaki==%s' % KAMAKI_VERSION],
            capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            return 'pip install kamaki==%s with %s failed: %s' % (
                KAMAKI_VERSION, python, result.stderr.strip()[-600:])
        with open(os.path.join(staging, 'python'), 'w') as handle:
            handle.write(python)
        shutil.rmtree(target, ignore_errors=True)
        os.rename(staging, target)
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class Kamaki27:
    """Runs the real kamaki 0.16 under Python 2.7.

    :ivar python: the interpreter.
    :ivar lib: where kamaki is installed (its ``PYTHONPATH``).
    """

    def __init__(self, python, lib, home):
        self.python = python
        self.lib = lib
        self.home = home
        self.env = dict(os.environ, PYTHONPATH=lib, HOME=home,
                        PYTHONIOENCODING='utf-8', LC_ALL='C.UTF-8')
        self.env.pop('PYTHONHOME', None)

    def config(self, url, token=ALICE):
        """A kamakirc with one cloud (the simulator); returns its path."""
        path = os.path.join(self.home, 'kamakirc-%s' % token)
        with open(path, 'w') as handle:
            handle.write(
                '[global]\n'
                'default_cloud = sim\n'
                'colors = off\n'
                'ignore_ssl = on\n'
                'log_file = %(home)s/kamaki.log\n'
                'history_file = %(home)s/kamaki.history\n'
                '\n'
                '[cloud "sim"]\n'
                'url = %(url)s\n'
                'token = %(token)s\n' % {'home': self.home, 'url': url,
                                          'token': token})
        return path

    def run(self, argv, timeout=120):
        """Run a Python 2.7 command line in kamaki's environment."""
        return subprocess.run([self.python] + argv, env=self.env,
                              capture_output=True, text=True,
                              timeout=timeout, cwd=self.home)


@pytest.fixture(scope='session')
def kamaki27(tmp_path_factory):
    python = find_python27()
    if python is None:
        unavailable('no Python 2.7 (set KAMAKI_PYTHON27, install one with '
                    'pyenv, or put python2.7 on the PATH)')
    marker = os.path.join(CACHE, 'python')
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    # NB: test processes running at once (pytest -n) install it once: the
    # first takes the lock and installs, the others find the cache
    with open(CACHE + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = None
        if os.path.exists(marker):
            with open(marker) as handle:
                cached = handle.read()
        if cached != python:
            error = install(python, CACHE)
            if error is not None:
                unavailable(error)
    return Kamaki27(python, os.path.join(CACHE, 'lib'),
                    str(tmp_path_factory.mktemp('kamaki27-home')))


@pytest.fixture(scope='module')
def sim():
    """A simulator on a file store, as a developer runs it, whose jobs
    take half a second: a waiter's first poll (kamaki polls every second)
    sees the outcome, yet a client reading right after its call still
    sees the transitional state, as on a real cloud (``ip detach --wait``
    reads the port it has just deleted)."""
    folder = tempfile.mkdtemp(prefix='kamaki27-sim-')
    try:
        with running_simulator(
                delays='0.5',
                database_url='sqlite:///%s/sim.sqlite' % folder) as running:
            yield running
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Cli:
    """``cli('server', 'list')``: the ``kamaki`` command; JSON output
    parsed when asked with ``json=True``."""

    def __init__(self, kamaki, rc):
        self.kamaki = kamaki
        self.rc = rc
        self.script = os.path.join(kamaki.lib, 'bin', 'kamaki')

    def __call__(self, *args, json_out=False, ok=True):
        argv = [self.script, '-c', self.rc] + [str(a) for a in args]
        if json_out:
            argv += ['--output-format', 'json']
        result = self.kamaki.run(argv)
        output = result.stdout + result.stderr
        if ok:
            assert result.returncode == 0, 'kamaki %s: %s' % (
                ' '.join(map(str, args)), output)
        else:
            assert result.returncode != 0, 'kamaki %s succeeded: %s' % (
                ' '.join(map(str, args)), output)
        if json_out and ok:
            return json.loads(result.stdout)
        return output


@pytest.fixture(scope='module')
def cli(kamaki27, sim):
    return Cli(kamaki27, kamaki27.config(sim.auth_url))
