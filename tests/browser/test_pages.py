"""A person in headless Chromium: logs in with Basic (the token as the
password), browses the catalogue, a collection and an entity, creates a VM
with a hostile title from the page, stops and starts it, deletes it."""
import pytest

from tests.functional.conftest import ALICE

HOSTILE = '<script>alert("owned")</script> web'
pytestmark = pytest.mark.usefixtures('browser')


@pytest.fixture(scope='module')
def site(server, browser):
    """``site.go(path)``, and the browser logged in as alice."""
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    class Site:
        url = server.url

        def go(self, path):
            browser.get(server.url + path)
            return self

        def find(self, css):
            return browser.find_element(By.CSS_SELECTOR, css)

        def all(self, css):
            return browser.find_elements(By.CSS_SELECTOR, css)

        def text(self, css):
            return self.find(css).text

        def click(self, css):
            """Click what navigates, and wait for the next page to have
            loaded (a form's POST answers after the click returns)."""
            from selenium.common.exceptions import WebDriverException
            from selenium.webdriver.support.ui import WebDriverWait

            # NB: a mark on the old page's window, not a reference to one
            # of its elements: Chromium answers a question about an
            # element of a page being replaced with errors of several
            # kinds, while a new page's window simply lacks the mark
            browser.execute_script('window.occiOldPage = true')
            self.find(css).click()
            WebDriverWait(
                browser, 15, ignored_exceptions=(WebDriverException,),
            ).until(lambda driver: driver.execute_script(
                'return !window.occiOldPage'
                ' && document.readyState === "complete"'))
            return self

        def no_alert(self):
            try:
                browser.switch_to.alert
            except NoAlertPresentException:
                return True
            return False

    return Site()


def test_without_a_token_chromium_is_offered_basic(server, browser):
    # NB: a headless browser has nobody to type a password into the
    # prompt this challenge opens (it waits), so the challenge is read
    # with the Accept Chromium sends; Chromium answers it below
    from tests.e2e.conftest import call

    accept = browser.execute_script('return navigator.userAgent')
    response = call(server.port, 'GET', '/compute/', {
        'Accept': 'text/html,application/xhtml+xml,*/*;q=0.8',
        'User-Agent': accept})
    assert response.status == 401
    challenges = response.headers.get_all('WWW-Authenticate')
    assert [c.split()[0] for c in challenges] == ['Keystone', 'Basic']
    assert 'API token' in response.text


def test_log_in_with_basic_and_browse_the_catalogue(site, browser,
                                                    screenshot):
    host = site.url.split('://', 1)[1]
    # Chromium sends the credentials of the address only to answer the
    # Basic challenge, and keeps them for the next pages
    browser.get('http://alice:%s@%s/-/' % (ALICE, host))
    assert site.text('h1') == 'Categories'
    assert 'compute' in site.text('#kind-compute h3')
    sizes = site.text('#resource-templates')
    assert '1 core, 1 GiB memory, 20 GB disk' in sizes
    assert 'Debian' in site.text('#os-templates')
    # the stylesheet loaded: the navigation bar is dark
    header = site.find('header').value_of_css_property('background-color')
    assert header != 'rgba(0, 0, 0, 0)'
    screenshot('02-catalogue')
    # the credentials stay in the browser, never in a link of ours
    site.go('/')
    assert ALICE not in browser.page_source
    assert ALICE not in browser.current_url


def test_create_a_vm_with_a_hostile_title_from_the_page(site, browser,
                                                        screenshot):
    from selenium.webdriver.support.ui import Select

    site.go('/compute/')
    site.find('#create input[name="attr.occi.core.title"]').send_keys(
        HOSTILE)
    Select(site.all('#create select')[1]).select_by_index(1)
    site.click('#create button[type=submit]')
    # POST, redirect, GET: the page of the new compute (a reload shows it
    # again, never creates a second one)
    screenshot('03-created')
    # the title is text on the page: no script ran, no element was made
    assert site.text('h1') == HOSTILE
    assert site.no_alert()
    assert not site.all('main script')
    assert site.text('#state') == 'active'
    screenshot('04-entity')


def test_browse_the_collection_to_the_entity(site, screenshot):
    site.go('/compute/')
    rows = site.all('#entities tbody tr')
    assert len(rows) == 1
    assert HOSTILE in rows[0].text
    screenshot('05-collection')
    site.click('#entities tbody a')
    assert site.text('h1') == HOSTILE


def test_stop_and_start_from_the_page(site, browser, screenshot):
    entity = browser.current_url
    site.click('#actions button.action-stop')
    assert site.text('#answer').startswith('200')
    screenshot('06-stop-answer')
    browser.get(entity)
    assert site.text('#state') == 'inactive'
    screenshot('07-stopped')
    site.click('#actions button.action-start')
    assert site.text('#answer').startswith('200')
    browser.get(entity)
    assert site.text('#state') == 'active'


def test_delete_after_confirming(site, browser, screenshot):
    site.click('#delete')
    assert site.text('h1').startswith('Delete ')
    screenshot('08-confirm-delete')
    site.click('#confirm-delete')
    assert site.find('#done')
    site.go('/compute/')
    assert 'Nothing here' in site.text('#entities')


def test_no_page_broke_its_content_security_policy(browser):
    messages = [entry['message'] for entry in browser.get_log('browser')]
    assert not [m for m in messages if 'Content Security Policy' in m], \
        messages
