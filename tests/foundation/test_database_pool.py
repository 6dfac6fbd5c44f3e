"""PostgreSQL keeps a worker's connection between requests (services/core/database.py): the
next request is served on the same server process, and one the server ended is replaced,
not used."""
import psycopg2
import pytest
from flask import jsonify

from models import db

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def backend_pid(app):
    if "postgres" not in type(db.obj).__name__.lower():
        pytest.skip("a pool is kept on PostgreSQL only")

    @app.route("/_test/backend")
    def backend():
        return jsonify(pid=db.execute_sql("SELECT pg_backend_pid()").fetchone()[0])

    return lambda client: client.get("/_test/backend").get_json()["pid"]


def test_requests_share_one_kept_connection(app, backend_pid):
    client = app.test_client()
    first = backend_pid(client)
    assert db.is_closed()  # closed at the end of the request: back in the pool
    assert [backend_pid(client) for _ in range(3)] == [first] * 3


def test_a_connection_the_server_ended_is_replaced(app, database_url, backend_pid):
    client = app.test_client()
    first = backend_pid(client)
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", (first,))
    admin.close()
    response = client.get("/_test/backend")
    assert response.status_code == 200
    assert response.get_json()["pid"] != first


def test_a_new_app_closes_the_connections_the_previous_one_kept(app, database_url, backend_pid, tmp_path):
    from tests.conftest import make_app

    for index in range(4):
        other = make_app(database_url, str(tmp_path / f"uploads-{index}"))
        assert other.test_client().get("/healthz").status_code == 200
    admin = psycopg2.connect(database_url)
    with admin.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        assert cursor.fetchone()[0] <= 1  # the last app's one kept connection
    admin.close()
