import os

from setuptools import find_packages, setup

here = os.path.abspath(os.path.dirname(__file__))
with open(os.path.join(here, 'README.md'), encoding='utf-8') as f:
    README = f.read()

requires = [
    'pyramid>=2.0,<3',
    # pyramid 2 imports pkg_resources: from setuptools 80.9 that prints a
    # UserWarning at every start, and setuptools announces its removal
    'setuptools>=68,<80.9',
    'waitress>=2.1,<4',
    'plaster_pastedeploy>=1.0,<2',
    'zope.interface>=6,<9',
    'colander>=2.0,<3',
    # the text/html rendering's templates (autoescaped Jinja2)
    'pyramid_jinja2>=2.10,<3',
    'SQLAlchemy>=2.0,<3',
    'alembic>=1.12,<2',
    # the user-mixin store on PostgreSQL (occi.store.url = postgresql://...),
    # for several server processes sharing one state
    'psycopg2-binary>=2.9,<3',
    # the metrics, in Prometheus' format (occi.metrics.path)
    'prometheus_client>=0.17,<1',
    # kamaki and its runtime dependencies are Python 2 code made to run
    # on Python 3 by occi_pyramid.backends.synnefo.kamaki_py3, which
    # patches these exact versions and refuses any other.
    'kamaki==0.16',
    'astakosclient==0.19',
    'objpool==0.4',
]

tests_require = [
    'WebTest>=3.0,<4',
    'pytest>=7,<10',
    'hypothesis>=6,<7',
    'psycopg2-binary>=2.9,<3',
    'cryptography>=41',
    'jsonschema>=4.18,<5',
    # tests/unit/test_code.py: no name of the package defined twice
    'pyflakes>=3,<5',
    # tests/browser drive Debian's chromium through its chromedriver
    'selenium>=4.20,<5',
]

setup(
    name='occi_pyramid',
    version='0.1.0',
    description='OCCI 1.1/1.2 server for Synnefo clouds, on Pyramid',
    long_description=README,
    long_description_content_type='text/markdown',
    classifiers=[
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
        'Programming Language :: Python :: 3.13',
        'Framework :: Pyramid',
    ],
    license='GPL-3.0-or-later',
    # NB: the data folders (static/, templates/) listed as packages of
    # their own, so that setuptools installs them without its "importable
    # package as data" warnings
    packages=find_packages(exclude=['tests', 'tests.*']) + [
        'occi_pyramid.static', 'occi_pyramid.templates'],
    include_package_data=True,
    package_data={'occi_pyramid': ['simulator/seed.json',
                                   'static/*', 'templates/*.jinja2',
                                   'store/migrations/script.py.mako']},
    zip_safe=False,
    python_requires='>=3.11',
    install_requires=requires,
    # 'test' is the name the issues use, 'testing' the cookiecutter's
    extras_require={'testing': tests_require, 'test': tests_require},
    entry_points={
        'paste.app_factory': [
            'main = occi_pyramid:main',
            'simulator = occi_pyramid.simulator:main',
        ],
        'paste.composite_factory': [
            'urlmap = occi_pyramid.urlmap:urlmap_factory',
        ],
        'paste.server_factory': [
            'waitress = occi_pyramid.server:server_factory',
        ],
        'console_scripts': [
            'occi-pyramid = occi_pyramid.cli:main',
        ],
    },
)
