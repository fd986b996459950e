"""Wire machinery shared by every simulated service.

Faults with Synnefo's envelope, the per-service URL dispatcher (400 for
unknown paths, 405 with ``Allow``), the request context handed to each
handler (database session, clock, authenticated user, JSON body) and
the small formatting helpers (timestamps, links).
"""
import datetime
import json
import math
import re

from sqlalchemy import and_, bindparam, or_, select

from . import models

JSON_TYPE = 'application/json; charset=UTF-8'
UTC = datetime.timezone.utc


class Fault(Exception):
    """A Synnefo API fault, rendered as ``{name: {code, message, details}}``.

    :param name: the envelope key (``badRequest``, ``itemNotFound``...).
    :param code: the HTTP status.
    :param message: the human message, worded as Synnefo words it.
    :param details: extra text (``""`` in production deployments).
    :param headers: extra response headers, e.g. ``Allow``.
    :param empty: answer with an empty body (Plankton/volume 405).
    """

    def __init__(self, name, code, message, details='', headers=None,
                 empty=False):
        super().__init__(message)
        self.name = name
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.empty = empty

    def body(self):
        if self.empty:
            return None
        return {
            self.name: {
                'code': self.code,
                'message': self.message,
                'details': self.details,
            }
        }


def bad_request(message='Malformed request', details=''):
    return Fault('badRequest', 400, message, details)


def not_found(message='Not found'):
    return Fault('itemNotFound', 404, message)


def forbidden(message='Forbidden'):
    return Fault('forbidden', 403, message)


def conflict(message):
    return Fault('conflict', 409, message)


def build_in_progress(message):
    return Fault('buildInProgress', 409, message)


def over_limit(message, details=''):
    return Fault('overLimit', 413, message, details)


def not_implemented(message='Not Implemented'):
    return Fault('notImplemented', 501, message)


def unauthorized(message):
    return Fault('unauthorized', 401, message)


class Reply:
    """What a handler returns: status, body (JSON-able, or its JSON text
    as bytes), extra headers."""

    def __init__(self, body=None, status=200, headers=None):
        self.body = body
        self.status = status
        self.headers = headers or {}


#: whole seconds -> their ``YYYY-MM-DDTHH:MM:SS`` (UTC): records made
#: or changed within one second share it
_SECONDS = {}
_SECONDS_MAX = 100000


def isoformat(timestamp):
    """Synnefo's ISO 8601 form: microseconds and ``+00:00``.

    What ``datetime.fromtimestamp(timestamp, utc).isoformat(timespec=
    'microseconds')`` gives, microseconds rounded as it rounds them
    (half to even), with the date and time of each whole second
    formatted once: a listing formats two timestamps per record.
    """
    if timestamp is None:
        return None
    fraction, whole = math.modf(timestamp)
    micro = round(fraction * 1e6)
    if fraction < 0 or micro >= 1000000:
        moment = datetime.datetime.fromtimestamp(timestamp, UTC)
        return moment.isoformat(timespec='microseconds')
    text = _SECONDS.get(whole)
    if text is None:
        if len(_SECONDS) >= _SECONDS_MAX:
            _SECONDS.clear()
        moment = datetime.datetime.fromtimestamp(whole, UTC)
        text = _SECONDS[whole] = moment.isoformat()[:19]
    return '%s.%06d+00:00' % (text, micro)


def plankton_time(timestamp):
    """Plankton's ``YYYY-MM-DD HH:MM:SS`` (UTC) form."""
    if timestamp is None:
        return ''
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.strftime('%Y-%m-%d %H:%M:%S')


def parse_iso(value):
    """Parse an ISO 8601 timestamp to epoch seconds, or raise ValueError."""
    moment = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def links(href):
    return [{'rel': 'self', 'href': href}, {'rel': 'bookmark', 'href': href}]


class Service:
    """A path tree of one Synnefo service with its own dispatch table.

    :param name: the first path segment (``compute``, ``network``...).
    :param versions: accepted version segments, first is canonical.
    :param json_405: wrong methods give a JSON ``notAllowed`` fault;
        when false (volume, Plankton) an empty-bodied 405.
    :param authenticated: check the token before calling any handler.
    """

    def __init__(self, name, versions, json_405=True, strip_suffix=True,
                 authenticated=True):
        self.name = name
        #: every call needs a valid token (Cyclades services)
        self.authenticated = authenticated
        self.versions = versions
        self.json_405 = json_405
        self.strip_suffix = strip_suffix
        self.routes = []  # [(compiled regex, {method: handler})]
        self._by_pattern = {}
        #: handler of the bare service URL (a versions document), if any
        self.version_document = None

    def route(self, pattern, *methods):
        """Register the decorated handler for ``pattern`` and ``methods``.

        Handlers are called as ``handler(ctx, **named_groups)``.
        """

        def decorate(handler):
            table = self._by_pattern.get(pattern)
            if table is None:
                table = self._by_pattern[pattern] = {}
                self.routes.append((re.compile(pattern + r'\Z'), table))
            for method in methods:
                table[method] = handler
            return handler

        return decorate

    def split_version(self, subpath):
        """``/v2.0/servers`` -> ``/servers``; None for other versions."""
        if not self.versions:
            return subpath or '/'
        parts = subpath.split('/', 2)
        if len(parts) < 2 or parts[1] not in self.versions:
            return None
        return '/' + (parts[2] if len(parts) > 2 else '')

    def resolve(self, method, path):
        """Find the handler of ``method`` on ``path`` (version stripped).

        :raises Fault: 400 for an unknown path, 405 for a wrong method.
        """
        if self.strip_suffix and path.endswith('.json'):
            path = path[: -len('.json')]
        if len(path) > 1 and path.endswith('/'):
            path = path[:-1]
        for regex, table in self.routes:
            match = regex.match(path)
            if match is None:
                continue
            handler = table.get(method)
            if handler is None:
                allow = ', '.join(sorted(table))
                if self.json_405:
                    raise Fault(
                        'notAllowed',
                        405,
                        'Method not allowed',
                        headers={'Allow': allow},
                    )
                raise Fault(
                    'notAllowed', 405, '', headers={'Allow': allow},
                    empty=True,
                )
            return handler, match.groupdict()
        raise bad_request('API endpoint not found')


def plain_rows(connection, statement, params=None):
    """The rows of a Core ``statement`` as the DB-API gives them: plain
    tuples, without SQLAlchemy's Row objects and result processing (on
    SQLite booleans read as 0 or 1), for the bulk reads of listings."""
    result = connection.execute(statement, params or {})
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


#: statements of every request, built once (building costs more than
#: running them on SQLite)
USER_BY_TOKEN = select(models.User).where(
    models.User.token == bindparam('token'))
USERS = models.User.__table__
USER_ROW_BY_TOKEN = select(USERS).where(USERS.c.token == bindparam('token'))
PROJECTS_OF = (
    select(models.Membership.project_uuid)
    .where(models.Membership.user_uuid == bindparam('uuid'))
    .order_by(models.Membership.project_uuid)
)


class Context:
    """Everything a handler needs for one request.

    :ivar request: the Pyramid request.
    :ivar sim: the :class:`~occi_pyramid.simulator.app.Simulator`.
    :ivar db: the SQLAlchemy session (committed after the handler).
    :ivar now: the virtual clock reading for this request.
    :ivar base: the public base URL (no trailing slash).
    """

    def __init__(self, request, sim, db, now, base):
        self.request = request
        self.sim = sim
        self.db = db
        self.now = now
        self.base = base
        self._user = None
        self._projects = None

    # -- authentication -------------------------------------------------
    def token(self):
        return self.request.headers.get(
            'X-Auth-Token'
        ) or self.request.GET.get('X-Auth-Token')

    def find_user(self, token):
        if not token:
            return None
        return self.db.execute(USER_BY_TOKEN,
                               {'token': token}).scalar_one_or_none()

    @property
    def user(self):
        """The caller, authenticated the way a Cyclades service does.

        :raises Fault: 401 ``unauthorized`` without a token, 401 under
            the unnamed ``fault`` key for a bad token (astakosclient's
            error turned into a generic Cyclades fault).
        """
        if self._user is None:
            token = self.token()
            if not token:
                raise unauthorized('Access denied. No authentication token')
            # NB: a plain row (cheaper than an ORM object), which
            # handlers only read, kept until the next write
            user = self.sim.users.get(token)
            if user is None:
                user = self.execute(USER_ROW_BY_TOKEN, token=token).first()
                if user is not None:
                    self.sim.users[token] = user
            if user is None or not user.active:
                inner = {
                    'unauthorized': {
                        'code': 401,
                        'message': 'Invalid token',
                        'details': '',
                    }
                }
                raise Fault('fault', 401, 'UNAUTHORIZED', json.dumps(inner))
            if user.token_expires < self.now:
                raise Fault('fault', 401, 'UNAUTHORIZED',
                            'Authentication expired')
            self._user = user
        return self._user

    def caller_uuid(self):
        """The uuid of the token's owner, or None (request log)."""
        if self._user is not None:
            return self._user.uuid
        user = self.find_user(self.token())
        return user.uuid if user is not None else None

    @property
    def uid(self):
        return self.user.uuid

    def projects(self, user=None):
        """Uuids of the projects ``user`` (default: the caller) is in."""
        if user is None or user is self._user:
            if self._projects is None:
                self._projects = self._projects_of(self.user.uuid)
            return self._projects
        return self._projects_of(user.uuid)

    def _projects_of(self, uuid):
        return list(self.execute(PROJECTS_OF, uuid=uuid).scalars())

    def execute(self, statement, **params):
        """Run a Core ``statement`` on the session's connection, without
        the ORM's per-call cost."""
        return self.db.connection().execute(statement, params)

    def rows(self, table, selected=None):
        """Rows of ``table`` the caller may see, as :meth:`listing` picks
        them (by id; live ones, or those changed since
        ``changes-since``), as :func:`plain_rows`; ``selected``
        (default: every column of ``table``) is what each row holds."""
        columns = table.c
        statement = select(*(selected or (table,))).where(or_(
            columns.user_id == self.uid,
            and_(columns.shared_to_project.is_(True),
                 columns.project.in_(self.projects())),
        ))
        since = self.changes_since()
        if since is None:
            statement = statement.where(columns.deleted.is_(False))
        else:
            statement = statement.where(columns.updated >= since)
        rows = plain_rows(self.db.connection(),
                          statement.order_by(columns.id))
        if since is not None and not rows:
            raise not_modified()
        return rows

    def can_see(self, record):
        """Is ``record`` the caller's own or shared to one of the caller's
        projects (what :meth:`visible` filters in SQL)?"""
        return record.user_id == self.uid or (
            bool(record.shared_to_project)
            and record.project in self.projects())

    def visible(self, query, model):
        """Filter ``query`` to the caller's own or project-shared rows."""
        return query.filter(
            or_(
                model.user_id == self.uid,
                and_(
                    model.shared_to_project.is_(True),
                    model.project.in_(self.projects()),
                ),
            )
        )

    # -- request body ----------------------------------------------------
    def json(self):
        """The JSON body, checked the way Synnefo's get_json_body does."""
        content_type = self.request.headers.get('Content-Type')
        if not content_type:
            raise bad_request('Missing Content-Type header field')
        if not content_type.startswith('application/json'):
            raise bad_request("Unsupported Content-type: '%s'" % content_type)
        try:
            return json.loads(self.request.body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            raise bad_request('Could not decode request body as JSON')

    def json_object(self, key):
        """``body[key]`` which must be a dict, else 400 Malformed request."""
        body = self.json()
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            raise bad_request('Malformed request')
        return body[key]

    def reassign_args(self):
        """The ``{"reassign": {"project", "shared_to_project"}}`` action
        body of servers, networks, floating IPs and volumes (400 Malformed
        request without a project)."""
        args = self.json_object('reassign')
        if not args.get('project'):
            raise bad_request('Malformed request')
        return args

    # -- URLs --------------------------------------------------------------
    def url(self, service, path=''):
        return self.sim.service_url(self.base, service) + path

    def versioned_url(self, service, path=''):
        return self.sim.versioned_url(self.base, service) + path

    def changes_since(self):
        """The ``changes-since`` parameter as epoch seconds, or None."""
        value = self.request.GET.get('changes-since')
        if value is None:
            return None
        try:
            since = parse_iso(value)
        except ValueError:
            raise bad_request('Invalid changes-since parameter.')
        if since > self.now:
            raise bad_request('changes-since value set in the future.')
        if self.now - since > self.sim.poll_limit:
            raise bad_request('Too old changes-since value.')
        return since

    def listing(self, query, model):
        """Rows of ``query`` by id: live ones, or with ``changes-since``
        those updated since (deleted included; 304 when none)."""
        since = self.changes_since()
        if since is None:
            query = query.filter(model.deleted.is_(False))
        else:
            query = query.filter(model.updated >= since)
        rows = query.order_by(model.id).all()
        if since is not None and not rows:
            raise not_modified()
        return rows


def not_modified():
    return Fault('notModified', 304, 'Not Modified')


def parse_int(value, message):
    """``int(value)`` for ints and numeric strings, else 400 ``message``."""
    if isinstance(value, bool):
        raise bad_request(message)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(message)


def reassign(record, args):
    """Move ``record`` to the project of a reassign action."""
    record.project = args['project']
    record.shared_to_project = bool(args.get('shared_to_project', False))
