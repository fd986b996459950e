"""The tools around the server, as a user runs them: pserve's one-line
errors for a missing or busy port, ``python -m occi_pyramid.store`` on
every ini file we ship, the ini files' separate databases, and a log of
one line per request."""
import configparser
import os
import re
import socket
import subprocess

# NB: alembic's Config binds sys.stdout as a default argument when it is
# first imported: import it now, not under a test's capsys (whose stream
# is closed after the test, which broke later tests' alembic output)
import alembic.config  # noqa: F401
import pytest

from tests.e2e.conftest import (
    ALICE, ROOT, call, create_compute, free_port, ini_copy, pserve_command,
    wait_for_port,
)


def run_pserve(tmp_path, *arguments, timeout=60):
    """``pserve production.ini <arguments>`` that must stop by itself."""
    ini = ini_copy(tmp_path, 'production.ini')
    return subprocess.run(
        pserve_command() + [ini] + list(arguments), cwd=str(tmp_path),
        capture_output=True, text=True, timeout=timeout)


def one_line_error(result):
    assert result.returncode == 1, result
    assert 'Traceback' not in result.stderr + result.stdout, result
    lines = [line for line in result.stderr.splitlines()
             if line.startswith('occi-pyramid: ')]
    assert len(lines) == 1, result
    return lines[0]


def test_pserve_without_http_port_says_how_to_run_it(tmp_path):
    line = one_line_error(run_pserve(tmp_path))
    assert 'no port to listen on' in line
    assert 'http_port=6543' in line


def test_pserve_on_a_busy_port_says_so(tmp_path):
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(run_pserve(tmp_path, 'http_port=%d' % port))
    assert '127.0.0.1:%d is already in use' % port in line


def test_pserve_with_a_port_that_is_no_number(tmp_path):
    line = one_line_error(run_pserve(tmp_path, 'http_port=web'))
    assert 'http_port=web is not a port number' in line


# -- python -m occi_pyramid.store -----------------------------------------------

class StoreCLI:
    """``python -m occi_pyramid.store`` in this process, in a folder."""

    def __init__(self, monkeypatch, capsys):
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, cwd, *arguments):
        from occi_pyramid.store.__main__ import main

        self.monkeypatch.chdir(cwd)
        status = main(list(arguments))
        out, err = self.capsys.readouterr()
        return subprocess.CompletedProcess(arguments, status, out, err)


@pytest.fixture
def store_cli(monkeypatch, capsys):
    return StoreCLI(monkeypatch, capsys)


def test_the_store_command_runs_on_each_endpoint_store(tmp_path, store_cli):
    ini = ini_copy(tmp_path, 'multicloud.ini')
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    result = store_cli(elsewhere, ini)
    assert result.returncode == 0, result
    result = store_cli(elsewhere, ini, 'current')
    assert result.returncode == 0, result
    folder = tmp_path / 'var'
    # NB: alembic's own "0001 (head)" lines follow each header (where they
    # go depends on what earlier tests did to sys.stdout)
    assert [line for line in result.stdout.splitlines()
            if line.startswith('[')] == [
        '[okeanos] sqlite:///%s' % (folder / 'okeanos-store.sqlite'),
        '[demo] sqlite:///%s' % (folder / 'demo-store.sqlite')]
    assert (folder / 'okeanos-store.sqlite').exists()
    assert (folder / 'demo-store.sqlite').exists()
    result = store_cli(elsewhere, ini + '#demo', 'current')
    assert [line for line in result.stdout.splitlines()
            if line.startswith('[')] == [
        '[demo] sqlite:///%s' % (folder / 'demo-store.sqlite')]
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize('arguments, message', [
    (['simulator.ini'], 'simulator.ini has no OCCI app'),
    (['development.ini', 'frobnicate'], "unknown command 'frobnicate'"),
    (['development.ini', 'downgrade'], 'downgrade needs a revision'),
    (['multicloud.ini#nope', 'current'], "no OCCI app named 'nope'"),
    (['missing.ini'], 'no such ini file: missing.ini'),
])
def test_the_store_command_errs_in_one_line_and_creates_nothing(
        tmp_path, store_cli, arguments, message):
    for name in ('simulator.ini', 'development.ini', 'multicloud.ini'):
        ini_copy(tmp_path, name)
    result = store_cli(tmp_path, *arguments)
    assert result.returncode == 2, result
    assert result.stdout == ''
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith('python -m occi_pyramid.store: ')
    assert message in result.stderr
    assert not (tmp_path / 'var').exists()


# -- the ini files -------------------------------------------------------------

def database_urls(name):
    """Every database URL an ini file names, ``%(here)s`` resolved."""
    parser = configparser.ConfigParser(
        defaults={'here': '/srv', '__file__': '/srv/' + name})
    parser.read(os.path.join(ROOT, name))
    return {parser.get(section, key) for section in parser.sections()
            for key in parser.options(section)
            if key.endswith(('database_url', 'store.url'))}


def test_no_two_ini_files_share_a_database_file():
    seen = {}
    for name in ('development.ini', 'simulator.ini', 'multicloud.ini'):
        for url in database_urls(name):
            assert url not in seen, (url, name, seen.get(url))
            seen[url] = name
    assert len(seen) == 7


# -- logging -------------------------------------------------------------------

def test_development_ini_logs_one_line_per_request(tmp_path, pserve):
    ini = ini_copy(tmp_path, 'development.ini', replace=[(
        'occi.simulator.delays = build=4 start=2 stop=2 reboot=2 resize=3 '
        'delete=2 connect=1 disconnect=1 attach=1 detach=1',
        'occi.simulator.delays = instant')])
    port = free_port()
    server = pserve(ini, str(tmp_path / 'stderr.log'), 'http_port=%d' % port)
    wait_for_port(port, server.process, timeout=90)
    requests = [
        call(port, 'GET', '/-/', {'X-Auth-Token': ALICE}),
        create_compute(port),
        call(port, 'GET', '/compute/', {'X-Auth-Token': ALICE}),
        call(port, 'GET', '/compute/', {'X-Auth-Token': 'wrong-token'}),
    ]
    assert [res.status for res in requests] == [200, 201, 200, 401]
    server.stop()
    lines = server.output().splitlines()
    requests = [line for line in lines if '[occi_pyramid.request' in line]
    assert len(requests) == 4, lines
    others = [line for line in lines if line not in requests]
    # the start and the stop: pserve's line, waitress', the embedded
    # cloud's (no kamaki "Endpoint does not provide API version", no
    # alembic plugin lines)
    assert len(others) <= 5, others
    for line in others:
        assert re.search(r'Starting server|Serving on|simulator listening|'
                         r'loading simulator seed|simulator on .* stopped',
                         line), line


def test_the_package_builds_without_warnings(tmp_path):
    """Its data folders (static/, templates/) are declared, so a build
    prints no setuptools warning, and the wheel holds them."""
    import sys
    import zipfile

    built = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '--wheel-dir', str(tmp_path), ROOT],
        capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    output = built.stdout + built.stderr
    assert 'warn' not in output.lower(), output
    (wheel,) = tmp_path.glob('occi_pyramid-*.whl')
    names = zipfile.ZipFile(wheel).namelist()
    for name in ('occi_pyramid/static/occi.css',
                 'occi_pyramid/templates/base.jinja2',
                 'occi_pyramid/simulator/seed.json',
                 'occi_pyramid/store/migrations/script.py.mako',
                 'occi_pyramid/wrappers/deferred.py'):
        assert name in names
    assert not [n for n in names if n.startswith('tests/')]


def test_the_command_tells_its_version():
    import os
    import sys

    from occi_pyramid.settings import __version__

    command = os.path.join(os.path.dirname(sys.executable), 'occi-pyramid')
    result = subprocess.run([command, '--version'], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result
    assert result.stdout.strip() == 'occi-pyramid %s' % __version__
    with open(os.path.join(ROOT, 'CHANGES.md'), encoding='utf-8') as f:
        assert __version__ in f.read()
