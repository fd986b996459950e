"""``occi-pyramid``: the package's command (its version, and where the
other commands are).

    occi-pyramid --version
"""
import argparse
import sys

from .settings import __version__

USAGE = '''serve:          pserve development.ini http_port=6543
migrate store:  python -m occi_pyramid.store production.ini
docs:           README.md, docs/deployment.md (operators)'''


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='occi-pyramid', description='An OCCI 1.1/1.2 server for '
        'Synnefo clouds.', epilog=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--version', action='version',
                        version='occi-pyramid %s' % __version__)
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
