"""The Host header check (pure): ``host [":" port]`` as RFC 7230 §5.4
and RFC 3986 §3.2.2 write it."""
import pytest

from occi_pyramid.checks import valid_host


@pytest.mark.parametrize('host', [
    '127.0.0.1:6543', 'occi.example.org', 'occi.example.org:443',
    '[::1]', '[::1]:8080', '[fe80::1%25eth0]:80', 'xn--bcher-kva.example',
    'localhost:', ''])
def test_hosts_accepted(host):
    assert valid_host(host)


@pytest.mark.parametrize('host', [
    '[::1', '[', ']', '[]', '[x]', '[::1]x', '[::1]:80:90', 'a, b',
    'a b', 'a:99999', 'a:b', 'host:80:90', 'a/b', 'a@b', 'a\\b'])
def test_hosts_refused(host):
    assert not valid_host(host)
