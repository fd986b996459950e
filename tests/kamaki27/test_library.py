"""kamaki 0.16's library (Astakos, compute, network, block storage and
image clients, every waiter) against the simulator, from Python 2.7."""
import os

from occi_pyramid.simulator.testing import ALICE, DEBIAN_IMAGE

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      'library27.py')


def test_library_calls_and_waiters(kamaki27, sim):
    result = kamaki27.run([SCRIPT, sim.auth_url, ALICE, DEBIAN_IMAGE],
                          timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert result.stdout.strip().endswith('ok'), output
