"""Every setting is shown: by `fazhi-kg settings`, at /settings.json, and in README.md
(tables made from kg.settings.SETTINGS, checked here so they cannot drift)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import settings
from kg.cli import cli
from kg.errors import SettingError
from server import close_app, create_app

REPO = Path(__file__).resolve().parent.parent
NAMES = [s.name for s in settings.SETTINGS]


def test_readme_tables_are_the_generated_ones() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert settings.with_tables(readme) == readme, \
        "README.md's settings tables are stale: run `fazhi-kg settings --readme README.md`"


def test_readme_documents_every_setting_once() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert readme.count(f"| `{name}` |") == 1, name


def test_a_readme_without_markers_is_refused_naming_them() -> None:
    with pytest.raises(SettingError, match="settings:ingest begin"):
        settings.with_tables("# a README\n\nno tables here\n")


def test_readme_option_rewrites_a_stale_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    begin, end = settings.BEGIN.format(part="service"), settings.END.format(part="service")
    ibegin, iend = settings.BEGIN.format(part="ingest"), settings.END.format(part="ingest")
    readme.write_text(f"intro\n{ibegin}\n{iend}\nmiddle\n{begin}\n| old | table |\n{end}\nend\n",
                      encoding="utf-8")
    result = CliRunner().invoke(cli, ["settings", "--readme", str(readme)])
    assert result.exit_code == 0, result.output
    text = readme.read_text(encoding="utf-8")
    assert "| old | table |" not in text
    assert text.startswith("intro\n") and text.endswith(f"{end}\nend\n")
    assert settings.markdown("service") in text and settings.markdown("ingest") in text
    again = CliRunner().invoke(cli, ["settings", "--readme", str(readme)])
    assert "up to date" in again.output and readme.read_text(encoding="utf-8") == text


def test_cli_lists_every_setting_with_value_default_and_help() -> None:
    env = {"FAZHI_KG_MAX_ROWS": "7", "FAZHI_KG_UPLOAD_TOKEN": "s3cret-word"}
    text = CliRunner().invoke(cli, ["settings"], env=env)
    assert text.exit_code == 0, text.output
    assert "max_rows = 7  (default 10000; FAZHI_KG_MAX_ROWS)" in text.output
    assert "upload_token = (set)" in text.output and "update_token = (none)" in text.output
    listed = json.loads(CliRunner().invoke(cli, ["settings", "--format", "json"], env=env).output)
    assert [item["name"] for item in listed] == NAMES
    by_name = {item["name"]: item for item in listed}
    assert by_name["max_rows"]["value"] == 7 and by_name["max_rows"]["default"] == 10_000
    assert by_name["upload_token"]["value"] is True and by_name["update_token"]["value"] is False
    assert all(item["help"] for item in listed)
    assert "s3cret-word" not in text.output + json.dumps(listed)


def test_a_bad_value_is_one_error_line() -> None:
    result = CliRunner().invoke(cli, ["settings"], env={"FAZHI_KG_MAX_ROWS": "many"})
    assert result.exit_code == 1
    assert "FAZHI_KG_MAX_ROWS" in result.output and "Traceback" not in result.output


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator:
    path = tmp_path_factory.mktemp("settings") / "store"
    store = ox.Store(str(path))          # an empty store folder is enough
    store.flush()
    del store
    app = create_app({"store": str(path), "max_rows": 7, "upload_token": "s3cret-word",
                      "query_workers": 1, "page_workers": 1, "TESTING": True})
    yield app
    close_app(app)


def test_server_shows_its_settings(app) -> None:
    resp = app.test_client().get("/settings.json")
    assert resp.status_code == 200
    listed = resp.get_json()
    assert [item["name"] for item in listed] == NAMES
    by_name = {item["name"]: item for item in listed}
    assert by_name["max_rows"]["value"] == 7
    assert by_name["upload_token"] == {**by_name["upload_token"], "value": True, "secret": True}
    assert "s3cret-word" not in resp.get_data(as_text=True)
