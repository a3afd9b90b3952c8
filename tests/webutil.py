"""The app, JSON and query-runner helpers the web API and canned-query tests share."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def web_app_on(store: Path, max_neighbours: int) -> Iterator:
    """The Flask app on ``store`` for a module's tests; closed afterwards."""
    import server

    app = server.create_app({"store": str(store), "TESTING": True,
                             "max_neighbours": max_neighbours})
    yield app
    server.close_app(app)


def get(client, url: str, status: int = 200):
    """A page's JSON, asserting its status (the body is the message when not)."""
    r = client.get(url, headers={"Accept": "application/json"})
    assert r.status_code == status, r.get_data(as_text=True)
    return r.get_json()


def runner_on(store, max_rows: int = 1000):
    """A kg.queries runner on a pyoxigraph store (what the web's engine does
    in its workers): ``runner(checked, fmt=, substitutions=)``."""
    from kg.sparql import execute

    def run_query(checked, **kw):
        return execute(store, checked, max_rows=max_rows, **kw)
    return run_query
