"""Browser tests: Debian's headless Chromium, driven through its
chromedriver by selenium, against the OCCI app served by waitress on a
free loopback port (the embedded simulator is its cloud).

Chromium is a system package (``.ci/run`` installs ``chromium`` and
``chromium-driver``): where it is missing these tests are skipped with
that reason, except under CI (``CI`` set), where that is a failure.
Screenshots are kept in ``var/screenshots/`` (``var/`` is ignored by git)
as the run's artifacts.
"""
import os
import shutil

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get('OCCI_CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('OCCI_CHROMEDRIVER', '/usr/bin/chromedriver')
SCREENSHOTS = os.path.join(ROOT, 'var', 'screenshots')


def missing():
    """Why the browser cannot run here, or ``None``."""
    for path, package in ((CHROMIUM, 'chromium'),
                          (CHROMEDRIVER, 'chromium-driver')):
        if not (os.path.exists(path) or shutil.which(path)):
            return '%s is missing (apt-get install %s)' % (path, package)
    try:
        import selenium  # noqa: F401
    except ImportError:
        return 'selenium is not installed (pip install -e ".[testing]")'
    return None


@pytest.fixture(scope='module')
def server(app_settings):
    """The OCCI app on a real loopback port (instant cloud jobs)."""
    from occi_pyramid import main
    from tests.e2e.conftest import Server

    running = Server(main({}, **dict(app_settings)))
    yield running
    running.stop()


@pytest.fixture(scope='module')
def browser():
    """A headless Chromium (one per module; its Basic credentials are
    kept across the module's tests, as a person's browser keeps them)."""
    reason = missing()
    if reason:
        if os.environ.get('CI'):
            pytest.fail('browser tests must run under CI: ' + reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ('--headless=new', '--no-sandbox', '--disable-gpu',
                     '--disable-dev-shm-usage', '--window-size=1200,900',
                     '--disable-extensions', '--no-first-run'):
        options.add_argument(argument)
    # NB: the console log is read to prove no page breaks its own CSP
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope='module')
def screenshot(browser):
    """``screenshot(name)`` saves the page as var/screenshots/<name>.png
    and returns the path."""
    os.makedirs(SCREENSHOTS, exist_ok=True)

    def take(name):
        path = os.path.join(SCREENSHOTS, name + '.png')
        browser.save_screenshot(path)
        return path

    return take
