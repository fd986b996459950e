"""kamaki 0.16's library against the simulator, run by Python 2.7:
``python2.7 library27.py AUTH_URL TOKEN IMAGE_ID``.

Each step asserts what it got back; the first failure ends the script
with a non-zero status and a message naming the step. Every waiter of
the clients is called once on a state change it must see through.
"""
import sys

from kamaki.clients import ClientError
from kamaki.clients.astakos import AstakosClient
from kamaki.clients.blockstorage import BlockStorageClient
from kamaki.clients.cyclades import (
    CycladesBlockStorageClient, CycladesComputeClient, CycladesNetworkClient)
from kamaki.clients.image import ImageClient

AUTH_URL, TOKEN, IMAGE = sys.argv[1:4]


def check(condition, what):
    if not condition:
        sys.stderr.write('FAILED: %s\n' % what)
        sys.exit(1)


def client(cls, kind):
    return cls(auth.get_endpoint_url(kind), TOKEN)


auth = AstakosClient(AUTH_URL, TOKEN)
user = auth.authenticate()['access']['user']
check(user['name'] == 'Alice Example', 'authenticate: %r' % user)
uuid = user['id']
check(auth.get_usernames([uuid]) == {uuid: 'alice@example.org'},
      'get_usernames')
check('cyclades.vm' in auth.get_quotas()[uuid], 'get_quotas')

compute = client(CycladesComputeClient, 'compute')
network = client(CycladesNetworkClient, 'network')
volumes = client(BlockStorageClient, 'volume')
cyclades_volumes = client(CycladesBlockStorageClient, 'volume')
images = client(ImageClient, 'image')

check(IMAGE in [i['id'] for i in images.list_public()], 'list_public')
check(images.get_meta(IMAGE)['id'] == IMAGE, 'get_meta')
check(1 in [f['id'] for f in compute.list_flavors()], 'list_flavors')

# servers: BUILD -> ACTIVE -> STOPPED -> ACTIVE -> DELETED
server = compute.create_server('lib-vm', 1, IMAGE, networks=[])
sid = server['id']
check(server['status'] == 'BUILD' and server['adminPass'], 'create_server')
check(compute.wait_server_while(sid, 'BUILD')['status'] == 'ACTIVE',
      'wait_server_while BUILD')
compute.shutdown_server(sid)
check(compute.wait_server_until(sid, 'STOPPED')['status'] == 'STOPPED',
      'wait_server_until STOPPED')
compute.start_server(sid)
# the deprecated generic waiter, with get_server_status
check(compute.wait_until(sid, 'ACTIVE', CycladesComputeClient.get_server_status)
      == 'ACTIVE', 'wait_until ACTIVE')
check(compute.get_server_details(sid)['status'] == 'ACTIVE',
      'get_server_details')

# ports on a private network: BUILD -> ACTIVE
net = network.create_network('MAC_FILTERED', name='lib-net')
network.create_subnet(net['id'], '10.7.0.0/24')
port = network.create_port(net['id'], device_id=sid)
check(port['status'] == 'BUILD', 'create_port: %r' % port)
check(network.wait_port_while(port['id'], 'BUILD')['status'] == 'ACTIVE',
      'wait_port_while BUILD')
check(network.wait_port_until(port['id'], 'ACTIVE')['status'] == 'ACTIVE',
      'wait_port_until ACTIVE')
addresses = compute.get_server_details(sid)['addresses']
check(str(net['id']) in addresses, 'server addresses: %r' % addresses)

# volumes: creating -> in_use on the server, detached -> available
attached = cyclades_volumes.create_volume(1, 'lib-vol', server_id=sid)
vid = attached['id']
check(volumes.wait_volume(vid)['status'] != 'creating', 'wait_volume')
check(volumes.wait_volume_until(vid, 'in_use')['status'] == 'in_use',
      'wait_volume_until in_use')
compute.detach_volume(sid, vid)
check(volumes.wait_volume_while(vid, 'detaching')['status'] == 'available',
      'wait_volume_while detaching')
check(volumes.get_volume_details(vid)['display_name'] == 'lib-vol',
      'get_volume_details')
volumes.delete_volume(vid)

# clean up, waiting for the server's end and the port's
network.delete_port(port['id'])
compute.delete_server(sid)
check(compute.wait_server_until(sid, 'DELETED')['status'] == 'DELETED',
      'wait_server_until DELETED')
try:
    compute.get_server_details('999999')
    check(False, 'get_server_details of a missing server')
except ClientError as error:
    check(error.status == 404, 'missing server: %s' % error.status)
sys.stdout.write('ok\n')
