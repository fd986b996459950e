"""What operators ask of a running server: health and metrics, without a
token (docs/deployment.md, "Health and metrics")."""
from tests.conftest import make_testapp
from tests.functional.conftest import ALICE


def test_health_says_the_store_and_the_cloud_answer(alice, cloud):
    res = cloud.app.get('/-/health')
    assert res.status_int == 200
    assert res.content_type == 'application/json'
    assert res.json['status'] == 'ok'
    assert res.json['store'] == 'ok' and res.json['cloud'] == 'ok'
    assert res.headers['Cache-Control'] == 'no-store'


def test_health_is_503_when_the_cloud_does_not_answer(app_settings):
    app = make_testapp(dict(app_settings, **{
        'occi.synnefo.auth_url': 'http://127.0.0.1:9/identity/v2.0',
        'occi.synnefo.timeout': '2'}))
    res = app.get('/-/health', status=503)
    assert res.json == {**res.json, 'status': 'failing', 'cloud': 'failing',
                        'store': 'ok'}


def test_metrics_count_requests_cloud_calls_and_waiting_work(alice, cloud):
    alice.create_compute()
    alice.get('/compute/')
    alice.get('/compute/999999', status=404)
    text = cloud.app.get('/-/metrics').text
    assert 'occi_requests_total{method="GET",route="KindCollection:' \
           'compute",status="200"}' in text
    assert 'method="GET",route="EntityContext:compute",status="404"' in text
    assert 'occi_request_duration_seconds_bucket{' in text
    assert 'occi_cloud_calls_total{endpoint="POST /compute/v2.0/servers",' \
           'status="202"}' in text
    assert 'endpoint="GET /compute/v2.0/servers/{id}",status="404"' in text
    assert 'occi_deferred_waiting' in text


def test_the_paths_are_settings_and_may_be_off(app_settings):
    app = make_testapp(dict(app_settings, **{
        'occi.health.path': '/-/ready', 'occi.metrics.path': ''}))
    assert app.get('/-/ready').json['status'] == 'ok'
    app.get('/-/metrics', headers={'X-Auth-Token': ALICE}, status=404)
    app.get('/-/health', headers={'X-Auth-Token': ALICE}, status=404)
