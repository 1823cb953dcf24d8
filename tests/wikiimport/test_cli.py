"""`mature import mediawiki FILE --space KEY [--mapping FILE]` on a fresh data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth import space_service
from app.auth.models import User
from app.auth.schemas import SpaceCreate
from app.config import Settings
from app.db import Database, make_engine
from app.pages.models import Page
from tests.conftest import run_cli as run

DATA = Path(__file__).parent / "data"


@pytest.fixture
def database(env: Path):
    assert run("db", "upgrade").exit_code == 0
    assert run("user", "add", "root", "--role", "admin", stdin="a long password\n").exit_code == 0
    database = Database(make_engine(Settings()))
    with database.transaction() as session:
        owner = session.scalar(select(User).where(User.username == "root"))
        space_service.create_space(session, owner, SpaceCreate(key="careers", name="Careers", visibility="members"))
    yield database
    database.dispose()


def test_import_with_mapping_progress_and_report(database: Database, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[properties]\n"Employer count" = "Employment count"\n', "utf-8")
    result = run("import", "mediawiki", str(DATA / "careers-wiki-schema-0.11.xml"), "--space", "careers",
                 "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert "pages: 8/8" in result.output  # plain progress lines when not on a terminal
    report = json.loads(result.output[result.output.index("{"):result.output.rindex("}") + 1])
    assert (report["pages_created"], report["revisions_imported"], report["unknown_properties"]) == (4, 17, [])
    assert "4 pages created" in result.output
    with database.transaction(write=False) as session:
        assert set(session.scalars(select(Page.title))) == {"Main Page", "Care workers", "Nurses", "Vacancy notes"}
    again = run("import", "mediawiki", str(DATA / "careers-wiki-schema-0.10.xml"), "--space", "careers")
    assert again.exit_code == 0 and "0 pages created" in again.output and "0 revisions imported" in again.output


@pytest.mark.parametrize("name, words", [("billion-laughs.xml", "entities"), ("external-entity.xml", "entities")])
def test_unsafe_files_are_clear_errors(database: Database, name: str, words: str) -> None:
    result = run("import", "mediawiki", str(DATA / name), "--space", "careers")
    assert result.exit_code == 1
    assert "Error:" in result.output and words in result.output and "Nothing was imported" in result.output
    assert "Traceback" not in result.output


def test_malformed_file_unknown_space_and_bad_mapping(database: Database, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text((DATA / "careers-wiki-schema-0.11.xml").read_text("utf-8")[:5000], "utf-8")
    result = run("import", "mediawiki", str(broken), "--space", "careers")
    assert result.exit_code == 1 and "malformed at line" in result.output
    result = run("import", "mediawiki", str(DATA / "careers-wiki-schema-0.11.xml"), "--space", "nowhere")
    assert result.exit_code == 1 and "there is no space 'nowhere'" in result.output
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[properties]\n"Employer count" = "Head count"\n', "utf-8")
    result = run("import", "mediawiki", str(DATA / "careers-wiki-schema-0.11.xml"), "--space", "careers",
                 "--mapping", str(mapping))
    assert result.exit_code == 1 and "'Employer count' -> 'Head count'" in result.output
    with database.transaction(write=False) as session:
        assert session.scalar(select(Page.id)) is None
