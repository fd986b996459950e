"""Run the store's migrations by hand::

    python -m occi_pyramid.store <ini file>[#app] [alembic command [args]]

Each OCCI app of the ini file (an ``[app:...]`` section using
``egg:occi_pyramid``; ``multicloud.ini`` has one per endpoint) has its
own store, its ``occi.store.url`` (or the default); the command runs on
each, after a line naming the app and its store.  ``#app`` picks one app.
The command defaults to ``upgrade head``.  Others: ``current``,
``history``, ``heads``, ``show <revision>``, ``downgrade <revision>``,
``stamp <revision>``.  The server runs ``upgrade head`` itself at
startup, so this is for inspection, for downgrades and for migrating
before a rolling restart.
"""
import configparser
import os
import sys

#: the Alembic commands this entry point runs
COMMANDS = ('upgrade', 'downgrade', 'current', 'history', 'heads', 'show',
            'stamp')
#: the commands that need a revision argument
NEED_REVISION = ('downgrade', 'show', 'stamp')
#: ``use =`` values of an occi_pyramid app section
OCCI_APPS = ('egg:occi_pyramid', 'egg:occi_pyramid#main',
             'call:occi_pyramid:main')


class UsageError(Exception):
    """A one-line error for the command line (exit status 2)."""


def occi_apps(path):
    """The names of the OCCI app sections of the ini file at ``path``."""
    if not os.path.isfile(path):
        raise UsageError('no such ini file: %s' % path)
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(path, encoding='utf-8')
    except configparser.Error as exc:
        raise UsageError('cannot read %s: %s' % (
            path, str(exc).splitlines()[0])) from None
    return [section.split(':', 1)[1].strip()
            for section in parser.sections()
            if section.startswith('app:')
            and parser.get(section, 'use', fallback='').strip() in OCCI_APPS]


def stores(uri):
    """``[(app name, settings)]`` for ``<ini>[#app]``."""
    from pyramid.paster import get_appsettings

    from ..settings import coerce_settings

    path, _, wanted = uri.partition('#')
    names = occi_apps(path)
    if wanted:
        if wanted not in names:
            raise UsageError('%s has no OCCI app named %r (its OCCI apps: '
                             '%s)' % (path, wanted, ', '.join(names) or
                                      'none'))
        names = [wanted]
    if not names:
        raise UsageError('%s has no OCCI app (an [app:...] section with '
                         'use = egg:occi_pyramid), so no store' % path)
    return [(name, coerce_settings(get_appsettings(path, name=name)))
            for name in names]


def main(argv=None):
    from alembic.util import CommandError
    from sqlalchemy.engine import make_url

    from .schema import make_engine, run

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        sys.stdout.write(__doc__.strip() + '\n')
        return 0 if argv else 2
    command = argv[1:] or ['upgrade', 'head']
    try:
        if command[0] not in COMMANDS:
            raise UsageError('unknown command %r (one of: %s)' % (
                command[0], ', '.join(COMMANDS)))
        if command[0] in NEED_REVISION and len(command) < 2:
            raise UsageError('%s needs a revision (see history)'
                             % command[0])
        found = stores(argv[0])
    except UsageError as exc:
        sys.stderr.write('python -m occi_pyramid.store: %s\n' % exc)
        return 2
    for name, settings in found:
        url = settings['occi.store.url']
        sys.stdout.write('[%s] %s\n' % (
            name, make_url(url).render_as_string(hide_password=True)))
        sys.stdout.flush()
        engine = make_engine(url)
        try:
            run(engine, *command)
        except CommandError as exc:
            sys.stderr.write('python -m occi_pyramid.store: %s\n' % exc)
            return 1
        finally:
            engine.dispose()
    return 0


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
