"""Serving people with a web browser: the Pyramid side of the text/html
rendering (:mod:`occi_pyramid.renderers.html`).

* Jinja2 templates through ``pyramid_jinja2`` (autoescaped, strict
  undefined);
* the stylesheet served by Pyramid under ``/-/static/`` (a path no user
  mixin can take) with a one-year cache and a content-hash cache buster;
* CSRF protection of the pages' forms: Pyramid's double-submit cookie
  (:class:`~pyramid.csrf.CookieCSRFStoragePolicy`, ``SameSite=Strict``,
  ``Secure`` over HTTPS) checked for every
  ``application/x-www-form-urlencoded`` write, good for one write, and
  every unsafe request a browser marks as cross-site refused when it
  rides on ambient (Basic) credentials rather than an ``X-Auth-Token``;
* ``_method=DELETE`` in a form (its CSRF token checked) turns the POST
  into a DELETE, since HTML forms can only GET and POST;
* a form's create answers 303 to the page of what it created (POST,
  redirect, GET): reloading that page never creates again.

The checks run in a tween below the exception view, so a refusal is an
ordinary OCCI error rendering (403).
"""
import hashlib
import os

from pyramid.csrf import (
    CookieCSRFStoragePolicy, check_csrf_token, new_csrf_token,
)
from pyramid.static import QueryStringConstantCacheBuster
from pyramid.tweens import MAIN

from .exceptions import OCCIBadRequest, OCCIForbidden
from .forms import CHECKED_FORM, FORM
from .security import PUBLIC

STATIC_SPEC = 'occi_pyramid:static/'
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'static')
#: below the query interface: no user mixin or collection can be there
STATIC_PATH = '-/static'
ONE_YEAR = 365 * 24 * 3600
CSRF_COOKIE = 'occi_csrf'
CSRF_FIELD = '_csrf'
UNSAFE_METHODS = ('POST', 'PUT', 'DELETE', 'PATCH')
#: methods a form may ask for with ``_method`` (forms only GET and POST)
OVERRIDES = ('DELETE',)
#: ``Sec-Fetch-Site`` values of a request a person made on our own pages
#: or by typing the address
OWN_SITE = ('same-origin', 'none')


def static_token(directory=STATIC_DIR):
    """A short hash of every static file's name and content: the cache
    buster changes exactly when an asset does."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(directory)):
        digest.update(name.encode('utf-8'))
        with open(os.path.join(directory, name), 'rb') as f:
            digest.update(f.read())
    return digest.hexdigest()[:12]


def cross_site(request):
    """True when the browser says another site made this request.

    Browsers send ``Sec-Fetch-Site`` (and ``Origin`` on a POST); OCCI
    clients send neither, so they are never refused.
    """
    site = request.headers.get('Sec-Fetch-Site')
    if site:
        return site.strip().lower() not in OWN_SITE
    origin = request.headers.get('Origin')
    if origin:
        return origin.strip().rstrip('/') != request.host_url
    return False


def check_browser_write(request):
    """Refuse a forged write; mark a checked form; apply its method
    override.

    Only requests that ride on the credentials a browser keeps (no
    ``X-Auth-Token``, which no other site can make a browser send) are
    looked at: an OCCI client's request passes unchanged.
    """
    if request.method not in UNSAFE_METHODS \
            or request.headers.get('X-Auth-Token'):
        return
    if cross_site(request):
        raise OCCIForbidden(
            'A %s from another site (Origin %s) is refused: a page '
            'elsewhere cannot act with the credentials your browser '
            'keeps.' % (request.method,
                        request.headers.get('Origin', 'unknown')))
    if request.content_type != FORM or not request.body.strip():
        return
    if not check_csrf_token(request, token=CSRF_FIELD, header=None,
                            raises=False):
        raise OCCIForbidden(
            'The form carries no valid %s token (a CSRF check): reload the '
            'page it came from and send it again.' % CSRF_FIELD)
    request.environ[CHECKED_FORM] = True
    override = request.POST.get('_method')
    if override is None:
        return
    override = override.strip().upper()
    if request.method != 'POST' or override not in OVERRIDES:
        raise OCCIBadRequest(
            'The form field _method may only turn a POST into %s; got %r.'
            % (' or '.join(OVERRIDES), override))
    request.method = override


def browser_tween_factory(handler, registry):
    def browser_tween(request):
        check_browser_write(request)
        response = handler(request)
        if request.environ.get(CHECKED_FORM) and response.status_int < 400:
            # NB: a form's token is good for one write: reloading the
            # answer, or sending the form again, cannot repeat it
            new_csrf_token(request)
            if response.status_int == 201 and response.location:
                # NB: POST, then redirect, then GET: reloading the page of
                # what was created shows it, never creates it again
                response = see_other(request, response)
        return response

    return browser_tween


def see_other(request, created):
    """A 303 to the page of what a form created (its Location)."""
    from pyramid.httpexceptions import HTTPSeeOther

    response = HTTPSeeOther(location=created.location)
    for name, value in created.headers.items():
        if name.lower() in ('set-cookie', 'x-request-id'):
            response.headers.add(name, value)
    return response


class CSRFCookiePolicy(CookieCSRFStoragePolicy):
    """The double-submit cookie, marked ``Secure`` when the page came
    over HTTPS (directly, or through a proxy waitress trusts), so that
    the browser never sends it back in clear."""

    def __init__(self, **options):
        super().__init__(**options)
        self.secure_profile = CookieCSRFStoragePolicy(
            secure=True, **options).cookie_profile

    def new_csrf_token(self, request):
        token = self._token_factory()
        request.cookies[self.cookie_name] = token
        profile = (self.secure_profile if request.scheme == 'https'
                   else self.cookie_profile)

        def set_cookie(request, response):
            profile.set_cookies(response, token)

        request.add_response_callback(set_cookie)
        return token


def includeme(config):
    settings = config.get_settings()
    settings.setdefault('jinja2.undefined', 'strict')
    config.include('pyramid_jinja2')
    config.set_csrf_storage_policy(CSRFCookiePolicy(
        cookie_name=CSRF_COOKIE, httponly=True, samesite='Strict'))
    # NB: public: a login page needs its stylesheet before the login
    config.add_static_view(STATIC_PATH, STATIC_SPEC, cache_max_age=ONE_YEAR,
                           permission=PUBLIC)
    config.add_cache_buster(STATIC_SPEC,
                            QueryStringConstantCacheBuster(static_token()))
    config.add_tween('occi_pyramid.browser.browser_tween_factory', over=MAIN)
