"""Run the store's migrations by hand::

    python -m occi_pyramid.store <ini file> [alembic command [args]]

The URL is the ini's ``occi.store.url`` (or the default); the command
defaults to ``upgrade head``.  Others: ``current``, ``history``,
``downgrade <revision>``, ``stamp <revision>``.  The server runs
``upgrade head`` itself at startup, so this is for inspection, for
downgrades and for migrating before a rolling restart.
"""
import sys


def main(argv=None):
    from pyramid.paster import get_appsettings

    from ..settings import coerce_settings
    from .schema import make_engine, run

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if argv else 2
    settings = coerce_settings(get_appsettings(argv[0]))
    engine = make_engine(settings['occi.store.url'])
    try:
        run(engine, *(argv[1:] or ['upgrade', 'head']))
    finally:
        engine.dispose()
    return 0


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
