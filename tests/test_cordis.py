"""The CORDIS importer on the real benchmark dumps, as they are."""

import zipfile

import pytest

from crawlers import cordis
from tests.helpers.cli import run_callmatch


def test_every_participation_of_the_partners_dump_is_loaded_once(settings, db, shared_dir):
    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    rows = len((folder / "organization.csv").read_text(encoding="utf-8").strip().splitlines()) - 1
    first = run_callmatch("import-cordis", folder, settings=settings)
    assert first.returncode == 0, first.stderr[-2000:]
    assert db.scalar("SELECT count(*) FROM participations") == rows == 2489
    assert db.scalar("SELECT count(*) FROM organisations") == 1790
    assert db.scalar("SELECT count(*) FROM projects") == 298
    assert "2489 new and 0 changed participations" in first.stdout
    second = run_callmatch("import-cordis", folder, settings=settings)
    assert "(nothing changed)" in second.stdout
    assert db.scalar("SELECT count(*) FROM participations") == 2489
    runs = db.fetchall("SELECT items_new, items_updated, items_unchanged, stats FROM crawl_runs ORDER BY id")
    assert [(r["items_new"], r["items_updated"], r["items_unchanged"]) for r in runs] == [(2489, 0, 0), (0, 0, 2489)]
    assert (runs[0]["stats"]["organisations_new"], runs[0]["stats"]["projects_new"]) == (1790, 298)


def test_a_changed_contribution_counts_as_one_updated_row(db, shared_dir, tmp_path):
    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    cordis.import_dump(db, folder)
    for name in ("project.csv", "topics.csv"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    rows = (folder / "organization.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert '"50000.0";"50000.0"' in rows[1]
    rows[1] = rows[1].replace('"50000.0";"50000.0"', '"60000.0";"60000.0"', 1)
    (tmp_path / "organization.csv").write_text("".join(rows), encoding="utf-8")
    report = cordis.import_dump(db, tmp_path)
    assert (report.participations_new, report.participations_updated) == (0, 1)
    assert db.scalar("SELECT count(*) FROM participations") == 2489


def test_a_later_extract_that_leaves_a_field_out_keeps_what_an_earlier_one_gave(db, shared_dir, tmp_path):
    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    cordis.import_dump(db, folder)
    before = db.fetchone("SELECT acronym, title, topic_title FROM projects WHERE source_id = '101004346'")
    assert before == {"acronym": "EROSSplus", "title": "European Robotic Orbital Support Services +",
                      "topic_title": "SRC - Space robotics technologies"}
    # The same rows without topics.csv, and this project's title left blank: nothing to erase.
    projects = (folder / "project.csv").read_text(encoding="utf-8")
    assert projects.count('"European Robotic Orbital Support Services +"') == 1
    (tmp_path / "project.csv").write_text(projects.replace('"European Robotic Orbital Support Services +"', '""'),
                                          encoding="utf-8")
    (tmp_path / "organization.csv").write_bytes((folder / "organization.csv").read_bytes())
    report = cordis.import_dump(db, tmp_path)
    assert (report.projects_new, report.projects_updated) == (0, 0)
    assert db.fetchone("SELECT acronym, title, topic_title FROM projects WHERE source_id = '101004346'") == before
    # A value the source does give still replaces the stored one.
    (tmp_path / "project.csv").write_text(projects.replace('"EROSSplus"', '"EROSS+"'), encoding="utf-8")
    assert cordis.import_dump(db, tmp_path).projects_updated == 1
    assert db.scalar("SELECT acronym FROM projects WHERE source_id = '101004346'") == "EROSS+"


def test_countries_are_iso_codes(db, shared_dir):
    cordis.import_dump(db, shared_dir / "benchmarks" / "cordis-dev" / "partners")
    countries = {r["country"] for r in db.fetchall("SELECT DISTINCT country FROM organisations")}
    assert "GR" in countries and "GB" in countries and not {"EL", "UK"} & countries


def test_decimal_commas_and_sectors_are_read(db, shared_dir):
    cordis.import_dump(db, shared_dir / "benchmarks" / "cordis-dev" / "partners")
    row = db.fetchone("SELECT o.sector, o.org_type FROM organisations o WHERE o.pic = '999589463'")
    assert row == {"sector": "research", "org_type": "REC"}
    assert cordis.amount("211562,5") == cordis.amount("211562.5") == 211562.5


def test_values_cordis_quoted_twice_are_read_as_written(db, shared_dir):
    cordis.import_dump(db, shared_dir / "benchmarks" / "cordis-dev" / "partners")
    # In the file: """NATIONAL CENTER FOR SCIENTIFIC RESEARCH """"DEMOKRITOS""""""" and """NCSR """"D""""""".
    row = db.fetchone("SELECT name, short_name FROM organisations WHERE pic = '999978239'")
    assert row == {"name": 'NATIONAL CENTER FOR SCIENTIFIC RESEARCH "DEMOKRITOS"', "short_name": 'NCSR "D"'}
    title = db.scalar("SELECT title FROM topics WHERE title LIKE 'Seals for FTB#2%'")
    assert title == "Seals for FTB#2 Wing with Additive Manufacturing Technologies"
    assert db.scalar("""SELECT count(*) FROM organisations WHERE name LIKE '"%' OR short_name LIKE '"%'""") == 0


def test_an_organisations_contact_form_is_the_one_cordis_gives_for_its_latest_project(db, shared_dir):
    import csv

    from store.partners import contact_forms

    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    cordis.import_dump(db, folder)
    with (folder / "organization.csv").open(encoding="utf-8") as handle:
        given = {(row["organisationID"], row["contactForm"]) for row in csv.DictReader(handle, delimiter=";")}
    organisations = db.fetchall("SELECT id, pic FROM organisations")
    forms = contact_forms(db, [o["id"] for o in organisations])
    assert len(forms) == 1790  # every organisation of the dump has a PIC and a project
    assert all((o["pic"], forms[o["id"]]["url"]) in given for o in organisations)  # an address CORDIS gives
    # Of several, the latest project's; UPWARDS is the one dated project of this organisation.
    fraunhofer = db.scalar("SELECT id FROM organisations WHERE pic = '999984059'")
    assert forms[fraunhofer]["acronym"] == "UPWARDS"
    assert contact_forms(db, []) == {}


def test_the_calls_dump_loads_with_project_titles_and_topics(db, shared_dir):
    report = cordis.import_dump(db, shared_dir / "benchmarks" / "cordis-dev" / "calls")
    assert report.rows == 1487 and db.scalar("SELECT count(*) FROM topics") == 3486
    project = db.fetchone("SELECT * FROM projects WHERE source_id = '101000302'")
    assert (project["topic_code"], project["title"][:9]) == ("BG-10-2020", "Ecocentri")


def test_the_official_zip_is_read_like_the_folder(db, shared_dir, tmp_path):
    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    archive = tmp_path / "cordis-h2020projects-csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in ("project.csv", "organization.csv", "topics.csv"):
            z.write(folder / name, f"csv/{name}")
    assert cordis.import_dump(db, archive).rows == 2489
    assert db.scalar("SELECT count(*) FROM participations") == 2489


def test_files_of_another_layout_are_refused_with_a_sentence(settings, tmp_path):
    (tmp_path / "organization.csv").write_text('"a";"b"\n"1";"2"\n')
    result = run_callmatch("import-cordis", tmp_path, settings=settings)
    assert result.returncode == 1 and "not the CORDIS layout" in result.stderr


def test_rows_the_database_refuses_are_skipped_by_line_and_the_rest_imported(settings, db, shared_dir, tmp_path):
    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    for name in ("project.csv", "topics.csv"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    rows = (folder / "organization.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert '"50000.0";"50000.0"' in rows[1] and rows[3].count('"GREENSPIDER GMBH"') == 1
    rows[1] = rows[1].replace('"50000.0";"50000.0"', '"1e20";"1e20"', 1)  # too large for the column
    rows[3] = rows[3].replace('"GREENSPIDER GMBH"', '"GREEN\x00SPIDER GMBH"', 1)  # a NUL byte, as in a damaged download
    (tmp_path / "organization.csv").write_text("".join(rows), encoding="utf-8")

    result = run_callmatch("import-cordis", tmp_path, settings=settings)
    assert result.returncode == 0, result.stderr[-2000:]
    assert db.scalar("SELECT count(*) FROM participations") == 2487
    assert "2 rows skipped" in result.stdout
    assert "organization.csv line 2 skipped: the database refused it: numeric field overflow" in result.stderr
    assert "organization.csv line 4 skipped: the database refused it:" in result.stderr
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'cordis'")
    assert (run["status"], run["items_new"], run["drop_reasons"]) == ("ok", 2487, {"refused by the database": 2})


def test_an_import_that_fails_outright_leaves_its_run_marked_failed(db, shared_dir, monkeypatch):
    def fail(*args, **kwargs):  # a fault the importer cannot skip past, such as a full disk
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(cordis, "save_participation", fail)
    with pytest.raises(RuntimeError):
        cordis.import_dump(db, shared_dir / "benchmarks" / "cordis-dev" / "partners")
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'cordis'")
    assert (run["status"], run["errors"]) == ("failed", [{"url": "", "error": "RuntimeError: the disk is full"}])
    assert db.scalar("SELECT count(*) FROM participations") == 0


@pytest.mark.parametrize("content,message", [
    (b'"projectID";"organisationID";"name";"country";"role"\n"1";"2";"Caf\xe9";"FR";"participant"\n',
     "organization.csv is not UTF-8 text"),
    (b"", "organization.csv has no rows"),
    (b'"projectID";"organisationID";"name";"country";"role"\n', "organization.csv has no rows"),
], ids=["latin-1", "empty", "header only"])
def test_a_file_that_cannot_be_a_dump_is_refused_with_a_sentence(settings, tmp_path, content, message):
    (tmp_path / "organization.csv").write_bytes(content)
    result = run_callmatch("import-cordis", tmp_path, settings=settings)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_a_file_broken_throughout_names_the_first_skipped_rows_and_counts_the_rest(db, shared_dir, tmp_path, caplog):
    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    rows = (folder / "organization.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    broken = ['"";' + row.split(";", 1)[1] for row in rows[1:26]]  # no project id
    (tmp_path / "organization.csv").write_text("".join([rows[0], *broken, *rows[26:]]), encoding="utf-8")
    with caplog.at_level("WARNING", logger="crawlers.cordis"):
        report = cordis.import_dump(db, tmp_path)
    assert len(report.skipped) == 25
    named = [r.getMessage() for r in caplog.records if "skipped: no project" in r.getMessage()]
    assert len(named) == cordis.LOGGED_SKIPS and named[0].startswith("organization.csv line 2 skipped")
    assert "5 more rows of organization.csv skipped" in caplog.text


def test_a_row_with_too_many_or_too_few_fields_is_skipped_by_its_lines_not_imported_shifted(db, shared_dir, tmp_path,
                                                                                           caplog):
    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    rows = (folder / "organization.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    rows[4] = rows[4][:40] + "\n"  # cut inside a quoted field: the open quote runs the row into the next line
    rows[8] = rows[8].rstrip("\n") + ';"extra"\n'
    rows[11] = rows[11].split(";", 3)[0] + ";" + rows[11].split(";", 3)[1] + "\n"  # two fields only
    (tmp_path / "organization.csv").write_text("".join(rows), encoding="utf-8")
    with caplog.at_level("WARNING", logger="crawlers.cordis"):
        report = cordis.import_dump(db, tmp_path)
    assert {line: kind for line, (kind, _) in report.skipped.items()} == {
        5: "malformed row", 9: "malformed row", 12: "malformed row"}
    assert "organization.csv line 5 skipped: 28 fields where the header has 25; it runs on to line 6" in caplog.text
    assert "organization.csv line 9 skipped: 26 fields where the header has 25" in caplog.text
    assert "organization.csv line 12 skipped: 2 fields where the header has 25" in caplog.text
    # The rows after a broken one keep their own line numbers and are imported whole.
    assert db.scalar("SELECT count(*) FROM participations") == len(rows) - 1 - 4  # lines 5 and 6 are one row
    good = rows[12].split('";"')
    assert db.scalar("SELECT name FROM organisations WHERE pic = %s", (good[2],)) == good[4]


def test_a_malformed_row_of_project_csv_or_topics_csv_is_logged_and_left_out(db, shared_dir, tmp_path, caplog):
    folder = shared_dir / "benchmarks" / "cordis-dev" / "partners"
    (tmp_path / "organization.csv").write_bytes((folder / "organization.csv").read_bytes())
    for name, broken in (("project.csv", [2]), ("topics.csv", range(1, 26))):  # lines 3; lines 2 to 26
        rows = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
        for n in broken:
            rows[n] = rows[n].rstrip("\n") + ';"shifted"\n'
        (tmp_path / name).write_text("".join(rows), encoding="utf-8")
    dropped_project = (folder / "project.csv").read_text(encoding="utf-8").splitlines()[2].split('";"')[0].strip('"')
    with caplog.at_level("WARNING", logger="crawlers.cordis"):
        report = cordis.import_dump(db, tmp_path)
    assert "project.csv line 3 skipped: 21 fields where the header has 20" in caplog.text
    assert "topics.csv line 2 skipped:" in caplog.text and "topics.csv line 21 skipped:" in caplog.text
    assert "topics.csv line 22 skipped:" not in caplog.text and "5 more rows of topics.csv skipped" in caplog.text
    assert report.skipped == {}  # every participation is still loaded
    assert db.scalar("SELECT count(*) FROM participations") == 2489
    # The project is still there, known by the acronym organization.csv gives it, without the row's other values.
    project = db.fetchone("SELECT acronym, framework FROM projects WHERE source_id = %s", (dropped_project,))
    assert project["acronym"] and project["framework"] is None
    assert db.scalar("SELECT count(*) FROM projects WHERE framework = 'H2020'") == 298 - 1
