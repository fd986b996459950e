"""Test plumbing: a self-signed certificate and a TCP/TLS proxy that can
cut or stall a response.

waitress (under the simulator) has no TLS, so TLS tests put
:class:`Proxy` with an ``ssl_context`` in front of it.  The same proxy,
with ``fault`` set, sends the next response only in part and then closes
the connection (``'truncate'``) or goes silent (``'stall'``).
"""
import datetime
import ipaddress
import os
import select
import socket
import ssl
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_certificates(folder, hostname='localhost'):
    """A CA and a server certificate for ``hostname`` (not for 127.0.0.1).

    Returns ``(ca_file, cert_file, key_file)``.
    """
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name('occi-pyramid test CA'))
        .issuer_name(_name('occi-pyramid test CA'))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(
            ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hostname))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(hostname)]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                       True)
        .add_extension(x509.ExtendedKeyUsage(
            [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = [os.path.join(folder, n) for n in ('ca.pem', 'cert.pem',
                                                'key.pem')]
    with open(paths[0], 'wb') as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], 'wb') as f:
        f.write(key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return paths


def server_context(cert_file, key_file):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


class Proxy(object):
    """Forward connections on a loopback port to ``upstream``.

    :param ssl_context: terminate TLS with this server context.
    Set ``fault`` to ``'truncate'`` or ``'stall'`` to break the next
    response with a body; it resets itself after one use.
    """

    def __init__(self, upstream, ssl_context=None, host='127.0.0.1'):
        self.upstream = upstream
        self.ssl_context = ssl_context
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.fault = None
        self.faults_done = 0
        self.accepted = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets = []
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(client,),
                             daemon=True).start()

    def _take_fault(self):
        with self._lock:
            fault, self.fault = self.fault, None
            return fault

    def _serve(self, client):
        try:
            if self.ssl_context is not None:
                client.settimeout(5)
                client = self.ssl_context.wrap_socket(client,
                                                      server_side=True)
                client.settimeout(None)
            upstream = socket.create_connection(self.upstream, timeout=10)
        except (OSError, ssl.SSLError):
            client.close()
            return
        with self._lock:
            self._sockets += [client, upstream]
        try:
            self._pump(client, upstream)
        finally:
            for sock in (client, upstream):
                try:
                    sock.close()
                except OSError:
                    pass

    def _pump(self, client, upstream):
        cut_at = None      # set while breaking a response: body bytes left
        fault = None
        while not self._stop.is_set():
            pending = client.pending() if hasattr(client, 'pending') else 0
            if pending:
                readable = [client]
            else:
                readable, _, _ = select.select([client, upstream], [], [], 0.5)
            for sock in readable:
                try:
                    data = sock.recv(65536)
                except (OSError, ssl.SSLError):
                    return
                if not data:
                    return
                if sock is client:
                    upstream.sendall(data)
                    continue
                if fault is None and self.fault:
                    fault = self._take_fault()
                    cut_at = None
                if fault and cut_at is None and b'\r\n\r\n' in data:
                    cut_at = data.index(b'\r\n\r\n') + 4 + 3
                elif fault and cut_at is not None:
                    cut_at = 3
                if fault and cut_at is not None and len(data) > cut_at:
                    client.sendall(data[:cut_at])
                    self.faults_done += 1
                    if fault == 'stall':
                        self._stop.wait()     # silent until stopped
                    return
                if fault and cut_at is not None:
                    cut_at -= len(data)
                    if cut_at < 0:
                        cut_at = 0
                client.sendall(data)
