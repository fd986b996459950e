"""ooi 1.2.0 (the OpenStack OCCI Interface, from PyPI) served by waitress
in front of ``bench/fake_nova.py``, in one process: the peer that
``bench/bench_peer.py`` measures occi-pyramid against. Run with the
python of ooi's venv (bench_peer.py makes it):

    V/bin/python bench/ooi_peer.py --port 18788 [--threads 8]
        [--images 2] [--flavors 2] [--servers 0] [--token alice-token]

Pipeline, outermost first: a token check standing in for
keystonemiddleware's auth_token (a request without ``X-Auth-Token:
TOKEN`` gets 401; others get the ``X-Project-Id`` that auth_token would
set and ooi reads), ``ooi.wsgi.OCCIMiddleware``, the fake nova. Listens
on 127.0.0.1 only; prints one line once serving.

ooi 1.2.0 (2017) predates Python 3.10; two fixes are applied at run
time (no ooi file changes): ``collections.Mapping`` and friends, gone
in 3.10, point at ``collections.abc``; and the text/plain body parser
gets the request body decoded (ooi splits the bytes with a str
separator, so every text/plain create would be a 400).
"""
import argparse
import collections
import collections.abc
import logging
import os
import sys
import warnings

for _name in ('Mapping', 'MutableMapping', 'Sequence', 'MutableSequence',
              'Iterable', 'Callable', 'Set'):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
warnings.simplefilter('ignore', DeprecationWarning)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ooi.wsgi  # noqa: E402
import ooi.wsgi.parsers  # noqa: E402
import waitress  # noqa: E402

from fake_nova import FakeNova  # noqa: E402

_convert = ooi.wsgi.parsers.TextParser._convert_to_headers


def _convert_decoded(self):
    if isinstance(self.body, bytes):
        self.body = self.body.decode('utf-8')
    return _convert(self)


ooi.wsgi.parsers.TextParser._convert_to_headers = _convert_decoded


class TokenCheck:
    """What keystonemiddleware's auth_token leaves for ooi: a project."""

    def __init__(self, app, token, project='bench'):
        self.app = app
        self.token = token
        self.project = project

    def __call__(self, environ, start_response):
        if environ.get('HTTP_X_AUTH_TOKEN') != self.token:
            body = b'Authentication required\n'
            start_response('401 Unauthorized', [
                ('Content-Type', 'text/plain'),
                ('Content-Length', str(len(body)))])
            return [body]
        environ['HTTP_X_PROJECT_ID'] = self.project
        return self.app(environ, start_response)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--images', type=int, default=2)
    parser.add_argument('--flavors', type=int, default=2)
    parser.add_argument('--servers', type=int, default=0)
    parser.add_argument('--token', default='alice-token')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    nova = FakeNova(args.images, args.flavors, args.servers)
    app = TokenCheck(ooi.wsgi.OCCIMiddleware(nova), args.token)
    print('ooi on http://127.0.0.1:%d/ (%d images, %d flavors, %d servers)'
          % (args.port, len(nova.images), len(nova.flavors),
             len(nova.servers)), flush=True)
    waitress.serve(app, host='127.0.0.1', port=args.port,
                   threads=args.threads, _quiet=True)


if __name__ == '__main__':
    main()
