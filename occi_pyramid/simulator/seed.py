"""Load the seed file (users, tokens, flavors, images, networks, quotas).

The seed is only loaded into an empty database, so a restarted
simulator keeps its state. The packaged ``seed.json`` documents the
format by example.
"""
import json
import logging
import os

from . import models
from .netaddr import default_pools

log = logging.getLogger(__name__)

PACKAGED_SEED = os.path.join(os.path.dirname(__file__), 'seed.json')
TEN_YEARS = 10 * 365 * 24 * 3600


def is_empty(db):
    return db.query(models.User).first() is None


def load_seed(db, path, now):
    """Fill an empty database from the JSON seed file at ``path``."""
    with open(path, encoding='utf-8') as handle:
        data = json.load(handle)
    log.info('loading simulator seed %s', path)
    default_quotas = data.get('default_quotas', {})
    seen_projects = set()

    def add_project(uuid, name, owner):
        if uuid not in seen_projects:
            seen_projects.add(uuid)
            db.add(models.Project(uuid=uuid, name=name, owner=owner,
                                  created=now))

    for user in data.get('users', []):
        uuid = user['uuid']
        db.add(
            models.User(
                uuid=uuid,
                name=user['name'],
                email=user.get('email', '').lower(),
                token=user['token'],
                active=user.get('active', True),
                default_project=user.get('default_project', uuid),
                token_expires=now + user.get('token_ttl', TEN_YEARS),
                roles=user.get('roles', [{'id': '1', 'name': 'default'}]),
            )
        )
        projects = [{'uuid': uuid, 'name': 'system:' + uuid, 'system': True}]
        projects += user.get('projects', [])
        user_quotas = user.get('quotas', {})
        for project in projects:
            add_project(project['uuid'], project['name'],
                        None if project.get('system') else uuid)
            db.add(models.Membership(user_uuid=uuid,
                                     project_uuid=project['uuid']))
            limits = dict(default_quotas)
            limits.update(user_quotas.get(project['uuid'], {}))
            for resource, limit in limits.items():
                db.add(
                    models.QuotaLimit(
                        user_uuid=uuid,
                        project_uuid=project['uuid'],
                        resource=resource,
                        limit=limit,
                    )
                )
    for vtype in data.get('volume_types', []):
        db.add(
            models.VolumeType(
                id=vtype['id'],
                name=vtype['name'],
                disk_template=vtype['disk_template'],
                deleted=vtype.get('deleted', False),
            )
        )
    for flavor in data.get('flavors', []):
        db.add(
            models.Flavor(
                id=flavor['id'],
                name=flavor['name'],
                vcpus=flavor['vcpus'],
                ram=flavor['ram'],
                disk=flavor['disk'],
                volume_type_id=flavor['volume_type'],
                public=flavor.get('public', True),
                allow_create=flavor.get('allow_create', True),
                deleted=flavor.get('deleted', False),
                access=flavor.get('access', []),
            )
        )
    for image in data.get('images', []):
        db.add(
            models.Image(
                id=image['id'],
                name=image['name'],
                owner=image.get('owner', data.get('system_images_owner')),
                status=image.get('status', 'AVAILABLE'),
                is_public=image.get('is_public', False),
                is_snapshot=image.get('is_snapshot', False),
                disk_format=image.get('disk_format', 'diskdump'),
                container_format=image.get('container_format', 'bare'),
                size=image.get('size', 0),
                checksum=image.get('checksum', ''),
                location=image.get('location', ''),
                description=image.get('description', ''),
                created=now,
                updated=now,
                properties=image.get('properties', {}),
                members=image.get('members', []),
            )
        )
    for network in data.get('networks', []):
        db.add(
            models.Network(
                id=network['id'],
                name=network.get('name', ''),
                user_id=network.get('user_id'),
                project=network.get('project'),
                type=network.get('type', 'IP_LESS_ROUTED'),
                public=network.get('public', True),
                floating_ip_pool=network.get('floating_ip_pool', False),
                status=network.get('status', 'ACTIVE'),
                created=now,
                updated=now,
            )
        )
        for subnet in network.get('subnets', []):
            pools = subnet.get('pools')
            if pools is None and subnet['ip_version'] == 4:
                pools = default_pools(subnet['cidr'], subnet.get('gateway'))
            db.add(
                models.Subnet(
                    id=subnet['id'],
                    network_id=network['id'],
                    name=subnet.get('name', ''),
                    ip_version=subnet['ip_version'],
                    cidr=subnet['cidr'],
                    gateway=subnet.get('gateway'),
                    enable_dhcp=subnet.get('enable_dhcp', True),
                    pools=pools or [],
                    dns_nameservers=subnet.get('dns_nameservers', []),
                    host_routes=subnet.get('host_routes', []),
                )
            )
    db.flush()
