"""The SQLAlchemy store: round trips, versioned edits, and bad input that changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from planner.errors import InputError
from planner.scenario.files import read_scenario, write_scenario
from planner.store.accounts import list_users
from planner.store.backup import head_revision
from planner.store.database import ConflictError, Store
from planner.store.migrate import alembic_config
from planner.store.tables import Base, ScenarioRow
from tests.conftest import MINI


def test_save_load_export_import_gives_the_same_scenario(store, mini_folder, tmp_path):
    original = read_scenario(mini_folder)
    store.save_scenario(original)
    assert store.load_scenario("mini") == original
    write_scenario(store.load_scenario("mini"), tmp_path / "exported")
    store.save_scenario(read_scenario(tmp_path / "exported"), replace=True)
    assert store.load_scenario("mini") == original
    with pytest.raises(InputError, match="exists already"):
        store.save_scenario(original)


def test_edit_with_version_check(store, mini_folder):
    store.save_scenario(read_scenario(mini_folder))
    version = store.record_versions("mini", "teams")["T1"]
    team = store.load_scenario("mini").by_id("teams")["T1"].model_dump(mode="json")
    new_version = store.put_record("mini", "teams", {**team, "members": 30}, expected_version=version)
    assert new_version == version + 1
    assert store.load_scenario("mini").by_id("teams")["T1"].members == 30
    with pytest.raises(ConflictError, match="changed by someone else"):
        store.put_record("mini", "teams", {**team, "members": 99}, expected_version=version)
    assert store.load_scenario("mini").by_id("teams")["T1"].members == 30


@pytest.mark.parametrize(
    ("kind", "change", "pattern"),
    [
        ("teams", {"members": -4}, "members"),
        ("teams", {"team_type": "wizards"}, "team_type"),
        ("teams", {"base": "NOPE"}, "base: 'NOPE' does not exist"),
    ],
)
def test_bad_edit_leaves_the_store_unchanged(store, mini_folder, kind, change, pattern):
    store.save_scenario(read_scenario(mini_folder))
    before = store.load_scenario("mini")
    version = store.scenario_version("mini")
    team = before.by_id("teams")["T1"].model_dump(mode="json")
    with pytest.raises(InputError, match=pattern):
        store.put_record("mini", kind, {**team, **change}, expected_version=store.record_versions("mini", kind)["T1"])
    assert store.load_scenario("mini") == before
    assert store.scenario_version("mini") == version


def test_delete_refused_while_referenced(store, mini_folder):
    store.save_scenario(read_scenario(mini_folder))
    with pytest.raises(InputError, match="teams T1: base: 'B1' does not exist"):
        store.delete_record("mini", "bases", "B1")
    assert "B1" in store.load_scenario("mini").by_id("bases")
    store.delete_record("mini", "equipment", "E1")
    assert "E1" not in store.load_scenario("mini").by_id("equipment")


def test_failed_replace_keeps_the_old_scenario(store, mini_folder):
    store.save_scenario(read_scenario(mini_folder))
    before = store.load_scenario("mini")
    (mini_folder / "teams.csv").write_text("id,name\nT1,\n", encoding="utf-8")
    with pytest.raises(InputError):
        store.save_scenario(read_scenario(mini_folder), replace=True)
    assert store.load_scenario("mini") == before


def test_documents_are_versioned_audited_and_survive_a_scenario_replace(store, mini_folder):
    scenario = read_scenario(mini_folder)
    store.save_scenario(scenario)
    version = store.put_document("mini", "actions", "CA-1", {"title": "fix radio", "status": "open"}, actor="pl")
    with pytest.raises(ConflictError):
        store.put_document("mini", "actions", "CA-1", {"title": "x"}, expected_version=version + 5)
    store.put_document("mini", "actions", "CA-1", {"title": "fix radio", "status": "closed"},
                       expected_version=version, actor="pl")
    store.save_scenario(scenario, replace=True)
    data, new_version = store.get_document("mini", "actions", "CA-1")
    assert data["status"] == "closed" and new_version == version + 1
    assert store.load_scenario("mini") == scenario  # documents are not records
    entries = [e for e in store.audit_log(scenario="mini") if e["kind"] == "actions"]
    assert [e["after"]["status"] for e in entries] == ["closed", "open"]
    with pytest.raises(InputError, match="unknown document collection"):
        store.put_document("mini", "secrets", "x", {})


def test_nul_text_is_refused_by_the_store(store, mini_folder):
    store.save_scenario(read_scenario(mini_folder))
    team = store.load_scenario("mini").by_id("teams")["T1"].model_dump(mode="json")
    with pytest.raises(InputError, match="NUL"):
        store.put_record("mini", "teams", {**team, "name_zh": "a\x00b"},
                         expected_version=store.record_versions("mini", "teams")["T1"])
    with pytest.raises(InputError, match="NUL"):
        store.load_scenario("mi\x00ni")


def test_a_database_from_before_migrations_opens_and_keeps_its_data(tmp_path, mini_folder):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    old_tables = [t for name, t in Base.metadata.tables.items() if name in ("scenario", "record")]
    Base.metadata.create_all(engine, tables=old_tables)  # what an early installation had
    with engine.begin() as connection:
        connection.execute(ScenarioRow.__table__.insert().values(name="kept", title="Kept", meta={}, version=1))
    engine.dispose()
    store = Store(url)
    assert [s["name"] for s in store.list_scenarios()] == ["kept"]
    with store.engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == head_revision()
        assert {"audit", "job", "user_account"} <= set(inspect(connection).get_table_names())
    store.close()


def test_a_database_at_the_first_revision_migrates_to_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'first.sqlite'}"
    engine = create_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text("insert into user_account (username, password_hash, role, active, created_at) "
                                "values ('kept', 'x', 'viewer', 1, '2026-01-01 00:00:00')"))
    engine.dispose()
    store = Store(url)
    with store.engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == head_revision()
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert [(u["username"], u["must_change_password"]) for u in list_users(store)] == [("kept", False)]
    store.close()


def test_stored_times_are_aware_and_come_from_the_clock(store, fixed_clock) -> None:
    moment = dt.datetime(2026, 7, 19, 20, 0, tzinfo=dt.UTC)
    fixed_clock(moment)
    store.save_scenario(read_scenario(MINI))
    (entry,) = store.audit_log()
    at = dt.datetime.fromisoformat(entry["at"])
    assert at.tzinfo is not None and at == moment  # on SQLite too, which keeps no zone itself
    assert store.scenario_zone("mini") == ZoneInfo("Asia/Shanghai")
