"""The app and JSON helpers the web API tests share (test_api, test_readable)."""
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
