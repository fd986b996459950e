"""Key pairs: the os-keypairs extension of the compute API.

``GET/POST /compute/v2.0/os-keypairs``, ``GET/DELETE
/compute/v2.0/os-keypairs/<name>``, shaped as OpenStack's extension
that Synnefo implements (what kamaki's ``keypair`` commands call). A
create without ``public_key`` generates an RSA pair with ``ssh-keygen``
and answers the private key once.
"""
import base64
import binascii
import hashlib
import os
import shutil
import subprocess
import tempfile

from . import models
from .compute import keypair_of as find, service
from .core import (
    Reply,
    bad_request,
    conflict,
    isoformat,
    not_found,
    not_implemented,
)

MAX_NAME = 255


def fingerprint(public_key):
    """``aa:bb:...``: the MD5 of the key blob, as OpenStack shows it.

    :raises Fault: 400 when ``public_key`` is no OpenSSH public key.
    """
    fields = public_key.split() if isinstance(public_key, str) else []
    try:
        if len(fields) < 2 or not fields[0].startswith(('ssh-', 'ecdsa-')):
            raise ValueError(public_key)
        blob = base64.b64decode(fields[1], validate=True)
    except (ValueError, binascii.Error):
        raise bad_request('Keypair data is invalid: failed to generate '
                          'fingerprint')
    digest = hashlib.md5(blob).hexdigest()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def generate(name):
    """A new RSA pair ``(private PEM, public OpenSSH line)``."""
    tool = shutil.which('ssh-keygen')
    if tool is None:
        raise not_implemented('Key generation needs ssh-keygen; upload a '
                              'public_key instead')
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'key')
        subprocess.run([tool, '-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM',
                        '-N', '', '-C', name, '-f', path], check=True,
                       stdin=subprocess.DEVNULL, capture_output=True)
        with open(path, encoding='ascii') as handle:
            private = handle.read()
        with open(path + '.pub', encoding='ascii') as handle:
            public = handle.read().strip()
    return private, public


def keypair_dict(keypair, detail=False):
    record = {
        'name': keypair.name,
        'public_key': keypair.public_key,
        'fingerprint': keypair.fingerprint,
    }
    if detail:
        record.update({
            'id': keypair.id,
            'user_id': keypair.user_id,
            'created_at': isoformat(keypair.created),
            'updated_at': isoformat(keypair.updated),
            'deleted': False,
            'deleted_at': None,
        })
    return record


@service.route(r'/os-keypairs', 'GET')
def list_keypairs(ctx):
    rows = ctx.db.query(models.KeyPair).filter_by(user_id=ctx.uid)
    return Reply({'keypairs': [{'keypair': keypair_dict(k)}
                               for k in rows.order_by(models.KeyPair.id)]})


@service.route(r'/os-keypairs', 'POST')
def create_keypair(ctx):
    args = ctx.json_object('keypair')
    name = args.get('name')
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise bad_request('Malformed request')
    public_key = args.get('public_key')
    if public_key is not None and not isinstance(public_key, str):
        raise bad_request('Malformed request')
    if find(ctx, name) is not None:
        raise conflict("Key pair '%s' already exists." % name)
    private = None
    if public_key is None:
        private, public_key = generate(name)
    keypair = models.KeyPair(user_id=ctx.uid, name=name,
                             public_key=public_key.strip(),
                             fingerprint=fingerprint(public_key),
                             created=ctx.now, updated=ctx.now)
    ctx.db.add(keypair)
    ctx.db.flush()
    record = keypair_dict(keypair)
    record['user_id'] = ctx.uid
    if private is not None:
        record['private_key'] = private
    return Reply({'keypair': record}, 201)


@service.route(r'/os-keypairs/(?P<name>[^/]+)', 'GET')
def get_keypair(ctx, name):
    keypair = find(ctx, name)
    if keypair is None:
        raise not_found('Keypair %s not found.' % name)
    return Reply({'keypair': keypair_dict(keypair, detail=True)})


@service.route(r'/os-keypairs/(?P<name>[^/]+)', 'DELETE')
def delete_keypair(ctx, name):
    keypair = find(ctx, name)
    if keypair is None:
        raise not_found('Keypair %s not found.' % name)
    ctx.db.delete(keypair)
    return Reply(status=204)
