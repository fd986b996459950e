"""Connections stay open after an answer without a body (waitress, as
``egg:occi_pyramid#waitress`` and the simulator serve it): a 204 is as
complete as any answer (RFC 9112 §6.3), so the next request goes on the
same connection."""
import socket

import pytest

STATUS = {'/none': '204 No Content', '/some': '200 OK'}


def app(environ, start_response):
    status = STATUS[environ['PATH_INFO']]
    start_response(status, [('Content-Type', 'text/plain')])
    return [b''] if status.startswith('204') else [b'body']


def exchange(port, *requests, closing=False):
    """Send each request on one connection, reading its answer before the
    next; the answers' heads (status line and headers), and (``closing``)
    whether the server closed the connection after the last."""
    heads = []
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        reader = sock.makefile('rb')
        for request in requests:
            sock.sendall(request.encode('latin-1'))
            head = []
            line = reader.readline()
            while line not in (b'\r\n', b''):
                head.append(line.decode('latin-1').rstrip('\r\n'))
                line = reader.readline()
            heads.append(head)
            length = [h for h in head if h.lower().startswith(
                'content-length:')]
            if length:
                reader.read(int(length[0].split(':')[1]))
        closed = closing and reader.read(1) == b''
    return heads, closed


def get(path, version='1.1', extra=''):
    return 'GET %s HTTP/%s\r\nHost: x\r\n%s\r\n' % (path, version, extra)


@pytest.fixture
def port(serve):
    # NB: a second request on a closed connection would block: the
    # socket's timeout ends the test then
    return serve(app).port


def test_a_204_keeps_the_connection_for_the_next_request(port):
    heads, _ = exchange(port, get('/none'), get('/some'), get('/none'),
                        get('/some'))
    assert [head[0] for head in heads] == [
        'HTTP/1.1 204 No Content', 'HTTP/1.1 200 OK',
        'HTTP/1.1 204 No Content', 'HTTP/1.1 200 OK']
    # NB: a 204 carries neither (RFC 9110 §8.6)
    assert not [h for head in (heads[0], heads[2]) for h in head
                if h.lower().startswith(('connection', 'content-length'))]


def test_a_204_still_closes_when_asked(port):
    heads, closed = exchange(port, get('/none', extra='Connection: close'
                                       '\r\n'), closing=True)
    assert 'Connection: close' in heads[0] and closed
    heads, closed = exchange(port, get('/none', version='1.0'),
                             closing=True)
    assert closed
