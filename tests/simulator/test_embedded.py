

def test_latency_models_a_wan_without_serialising_callers():
    """``simulator.latency`` delays each call outside the lock: four
    parallel calls take about one latency, not four."""
    import threading
    import time

    from occi_pyramid.simulator.testing import ALICE, Client, running_simulator

    with running_simulator(**{'simulator.latency': '0.3'}) as sim:
        client = Client(sim.url)
        started = time.monotonic()
        client.call('GET', '/compute/v2.0/servers', token=ALICE)
        single = time.monotonic() - started
        threads = [threading.Thread(target=client.call, args=(
            'GET', '/compute/v2.0/servers'), kwargs={'token': ALICE})
            for _ in range(4)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        parallel = time.monotonic() - started
    assert single >= 0.3
    assert parallel < 2 * 0.3 + 0.5
