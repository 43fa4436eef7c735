import os
import re
import subprocess
import sys

from click.testing import CliRunner

from cli.main import cli
from cli import commands  # noqa: F401


def run_cli(*args, env=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", *args],
        capture_output=True, text=True, env=full_env, timeout=120,
    )


def test_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "demo", "services"):
        assert f"  {command} " in result.output
    assert "DATABASE_URL" in result.output


def test_help_sets_every_environment_variable_apart_from_its_description():
    from store.config import DOCUMENTED

    output = CliRunner().invoke(cli, ["--help"]).output
    for name, (_, description) in DOCUMENTED.items():
        line = next(line for line in output.splitlines() if line.strip().startswith(name))
        assert line.strip()[len(name):].startswith("  "), line
        assert description.split()[0] in line


def test_the_worker_refuses_a_recovery_interval_below_one_second():
    result = CliRunner().invoke(cli, ["worker", "--recovery-interval", "0"])
    assert result.exit_code == 2 and "0 is not in the range x>=1" in result.output


def test_a_number_out_of_range_is_refused_before_anything_starts():
    for command in (["serve", "--port", "99999"], ["demo", "--port", "0"], ["serve", "--threads", "0"],
                    ["runs", "--limit", "-1"], ["evaluate", "partners", ".", "--limit", "0"],
                    ["partners", "X", "--limit", "0"], ["bench", "partners", "--organisations", "0"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2 and "is not in the range" in result.output, command


def test_an_unknown_spider_is_refused_before_a_crawl_is_queued_or_scheduled():
    queued = CliRunner().invoke(cli, ["enqueue", "crawl", "--spider", "nope"])
    assert queued.exit_code == 2 and "--spider names unknown spider(s) nope; choose from" in queued.output
    worker = CliRunner().invoke(cli, ["worker", "--burst"], env={"CALLMATCH_CRAWL_SPIDERS": "ft_portal,keep_euu"})
    assert worker.exit_code == 2 and "CALLMATCH_CRAWL_SPIDERS (the daily crawl) names unknown spider(s) keep_euu" in (
        worker.output)


def test_db_upgrade_on_an_up_to_date_database_says_so(settings, tmp_path):
    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url, "CALLMATCH_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_unreachable_database_url_exits_with_one_sentence(tmp_path):
    result = run_cli("db", "upgrade", env={"DATABASE_URL": "postgresql://x@127.0.0.1:1/none", "CALLMATCH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Error: Cannot connect to PostgreSQL")


def test_unwritable_data_folder_exits_with_one_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_cli("services", env={"CALLMATCH_DATA_DIR": str(blocker / "data"), "DATABASE_URL": ""})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot be written" in result.stderr


def test_create_user_reads_the_password_from_standard_input(settings, db):
    from tests.helpers.cli import run_callmatch

    result = run_callmatch("create-user", " Lead@SIC.lv ", "--role", "leadership", settings=settings,
                           input="a long password\n")
    assert result.returncode == 0, result.stderr
    assert "Created leadership lead@sic.lv (user " in result.stdout  # the address as stored and signed in with
    user = db.fetchone("SELECT email, role, password_hash FROM users")
    assert (user["email"], user["role"]) == ("lead@sic.lv", "leadership")
    assert "a long password" not in user["password_hash"]
    again = run_callmatch("create-user", "lead@sic.lv", settings=settings, input="a long password\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    too_long = "x@" + "a" * 250 + ".lv"  # past the 254 characters mail can be delivered to
    refused = run_callmatch("create-user", too_long, settings=settings, input="a long password\n")
    assert refused.returncode == 1 and "is not an email address" in refused.stderr


def test_users_lists_who_can_sign_in_and_says_how_to_start(settings, db):
    from store.users import create_user, update_access
    from tests.helpers.cli import run_callmatch

    empty = run_callmatch("users", settings=settings)
    assert empty.returncode == 0 and "creates the first admin" in empty.stdout
    create_user(db, "admin@sic.lv", "long enough password", "admin")
    update_access(db, create_user(db, "left@sic.lv", "long enough password", "manager"), active=False)
    lines = run_callmatch("users", settings=settings).stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [["admin@sic.lv", "admin", "active"], ["left@sic.lv", "manager", "deactivated"]]
    assert lines[0].endswith("never signed in")


def test_import_contacts_keeps_a_spreadsheets_contacts_and_names_the_rows_it_cannot(settings, db, tmp_path):
    from store.contacts import known_contacts
    from store.users import create_user
    from tests.helpers.cli import run_callmatch

    lab = db.scalar("INSERT INTO organisations (name, country) VALUES ('Riga Social Lab', 'LV') RETURNING id")
    sheet = tmp_path / "contacts.csv"
    sheet.write_text("organisation;person;email\nRiga Social Lab;Ilze Ozola;ilze@rsl.lv\nNowhere;Jane;jane@x.org\n")
    result = run_callmatch("import-contacts", str(sheet), settings=settings)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "1 contact added, 0 known already, 1 row not read:",
        "  line 3: No organisation in the partner data has the name “Nowhere”: check its name or PIC on the Partners"
        " page."]
    assert [(k["email"], k["updated_by"]) for k in known_contacts(db, [lab])[lab]] == [("ilze@rsl.lv", None)]
    assert run_callmatch("import-contacts", str(sheet), settings=settings).stdout.startswith(
        "0 contacts added, 1 known already")
    # Whose list it is, when the command is told: each contact says who saved it, as on the organisation's page.
    create_user(db, "pm@sic.lv", "a long enough password", "manager")
    sheet.write_text("organisation,email\nRiga Social Lab,office@rsl.lv\n")
    assert run_callmatch("import-contacts", str(sheet), "--by", "PM@sic.lv", settings=settings).returncode == 0
    assert [k["updated_by"] for k in known_contacts(db, [lab])[lab]] == [None, "pm@sic.lv"]
    unknown = run_callmatch("import-contacts", str(sheet), "--by", "nobody@sic.lv", settings=settings)
    assert unknown.returncode == 1 and "No user nobody@sic.lv: `callmatch users` lists them." in unknown.stderr
    sheet.write_text("name,email\nIlze,ilze@rsl.lv\n")
    refused = run_callmatch("import-contacts", str(sheet), settings=settings)
    assert refused.returncode == 1 and "contacts.csv: No column names the organisation" in refused.stderr


def test_set_password_gives_a_user_who_lost_theirs_a_new_one(settings, db):
    from store.users import authenticate, create_user
    from tests.helpers.cli import run_callmatch

    create_user(db, "admin@sic.lv", "forgotten password", "admin")
    result = run_callmatch("set-password", "Admin@SIC.lv", settings=settings, input="remembered this time\n")
    assert result.returncode == 0, result.stderr
    assert "New password set for admin@sic.lv" in result.stdout
    assert authenticate(db, "admin@sic.lv", "remembered this time") and not authenticate(db, "admin@sic.lv", "forgotten password")
    short = run_callmatch("set-password", "admin@sic.lv", settings=settings, input="short\n")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    nobody = run_callmatch("set-password", "nobody@sic.lv", settings=settings, input="whatever it is\n")
    assert nobody.returncode == 1 and "There is no user nobody@sic.lv" in nobody.stderr


def test_bench_prints_throughput_figures(settings):
    from tests.helpers.cli import run_callmatch

    result = run_callmatch("bench", "import", settings=settings)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "rows=2489" in result.stdout and "rows_per_s=" in result.stdout


def test_bench_ranks_a_partner_pool_of_the_size_asked_for_whatever_ran_before(settings):
    from tests.helpers.cli import run_callmatch

    # Above the dev dump's 1,790 organisations, which `bench import` may have left in the pool.
    for size in (2000, 2500, 2000):  # growing once stopped at a duplicate key; shrinking kept the larger pool
        result = run_callmatch("bench", "partners", "--organisations", size, settings=settings)
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"organisations={size}," in result.stdout
    # What the index holds in memory, and the process's peak, are figures too.
    index_mb = float(re.search(r"index_mb=([\d.]+)", result.stdout)[1])
    peak_mb = float(re.search(r"peak_rss_mb=([\d.]+)", result.stdout)[1])
    assert 0 < index_mb < peak_mb, result.stdout
    assert re.search(r"past_work_order_p50_ms=[\d.]+", result.stdout)  # the call page's other order, timed too


def test_bench_names_nested_figures_by_their_path_not_as_a_python_dict():
    from cli.bench import _flat

    figures = {"texts": 583, "int8": {"texts_per_s": 252.1, "speedup": 2.59}}
    assert list(_flat(figures)) == [("texts", 583), ("int8.texts_per_s", 252.1), ("int8.speedup", 2.59)]


def test_profiles_are_listed_and_an_unknown_one_is_one_sentence(settings, db):
    from store import profiles
    from tests.helpers.cli import run_callmatch

    profiles.ensure_default_profile(db)
    second = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "Fusion lab"})
    listed = run_callmatch("profiles", settings=settings)
    assert listed.returncode == 0, listed.stderr[-2000:]
    lines = listed.stdout.splitlines()
    assert "Social Innovation Centre (SIC)" in lines[0] and "not linked to partner data" in lines[0]
    assert lines[1].split()[0] == str(second) and "Fusion lab" in lines[1]
    for command in (("match", "--profile", "999"), ("learn", "--profile", "999"), ("calls", "--profile", "999"),
                    ("programmes", "--profile", "999")):
        result = run_callmatch(*command, settings=settings)
        assert result.returncode == 1 and "No profile with id 999; `callmatch profiles` lists them." in result.stderr


def test_programmes_lists_the_funding_streams_as_a_table_and_as_json(settings, db):
    import json

    from tests.helpers.cli import run_callmatch
    from tests.helpers.data import funding_streams_data

    funding_streams_data(db)
    table = run_callmatch("programmes", settings=settings)
    assert table.returncode == 0, table.stderr[-2000:]
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["PROGRAMME", "OPEN", "SOON", "PASS", "TOP50", "BEST", "BUDGET", "DECISIONS"]
    assert lines[1].split() == ["Horizon", "Europe", "2", "1", "2", "2", "1", "€6.5", "M", "3", "(2", "bids,", "1",
                                "won,", "1", "lost)", "[preferred]"]
    assert lines[2].split()[:7] == ["CERV", "1", "0", "1", "1", "2", "—"] and lines[2].endswith("—  [not tried, new]")
    assert lines[-1].startswith("For the profile Social Innovation Centre (SIC).")
    streams = [json.loads(line) for line in run_callmatch("programmes", "--json", settings=settings).stdout.splitlines()]
    assert streams[0]["programme"] == "Horizon Europe" and streams[0]["budget"] == 6_500_000.0
    assert (streams[0]["won"], streams[0]["lost"], streams[0]["record"]) == (1, 1, "1 of 2 bids with a result won (50%)")
    assert (streams[0]["scored"], streams[0]["mean_score"]) == (1, 0.9333)
    assert [s["programme"] for s in streams if s["new"]] == ["CERV", "Other EU programme (XYZ)"]
    assert streams[-1] == {**streams[-1], "programme": "EMFAF", "open": 0, "best_rank": None, "budget": None}


def test_every_option_of_every_command_says_what_it_does():
    def walk(group, path=()):
        for name, command in group.commands.items():
            yield path + (name,), command
            if hasattr(command, "commands"):
                yield from walk(command, path + (name,))

    silent = [f"{' '.join(path)} {param.opts[0]}" for path, command in walk(cli)
              for param in command.params if param.param_type_name == "option" and not param.help]
    assert silent == []


def test_runs_lists_a_run_with_its_failures_and_says_so_when_there_is_none(settings, db):
    from tests.helpers.data import run_of_a_killed_process
    from store import runs
    from store.calls import ensure_source

    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url, "CALLMATCH_DATA_DIR": str(settings.data_dir)}
    assert "No crawl or import runs yet" in CliRunner().invoke(cli, ["runs"], env=env).output

    ensure_source(db, "ft_portal")
    run_id = runs.start_run(db, "ft_portal")
    runs.finish_run(db, run_id, pages=3, seen=10, new=7, updated=0, unchanged=0, dropped=3,
                    drop_reasons={"duplicate of a richer record of the same topic": 2, "no title": 1},
                    errors=[{"url": "https://example.org/broken", "error": "malformed JSON"},
                            {"url": "", "error": "crawl ended early: closespider_errorcount"}], stats={})
    output = CliRunner().invoke(cli, ["runs"], env=env).output
    assert f"#{run_id} ft_portal" in output
    assert re.search(rf"#{run_id} ft_portal +\d\d [A-Z][a-z]{{2}} 20\d\d \d\d:\d\d EES?T partial", output)
    assert "partial" in output and "pages=3 calls: new=7" in output and "dropped=3" in output
    assert "https://example.org/broken: malformed JSON" in output
    assert "\n    crawl ended early: closespider_errorcount\n" in output  # no page to name, no bare colon
    assert "    dropped 2: duplicate of a richer record of the same topic\n    dropped 1: no title\n" in output

    # The list shows a run's first five errors and says how to see the rest; the run's own listing has them all.
    many = runs.start_run(db, "ft_portal")
    runs.finish_run(db, many, pages=9, seen=9, new=1, updated=0, unchanged=0, dropped=0, drop_reasons={},
                    errors=[{"url": f"https://example.org/{n}", "error": "HTTP 500"} for n in range(8)], stats={})
    output = CliRunner().invoke(cli, ["runs"], env=env).output
    assert "https://example.org/4: HTTP 500" in output and "https://example.org/5" not in output
    assert f"    and 3 more errors: `callmatch runs {many}` lists them all" in output
    output = CliRunner().invoke(cli, ["runs", str(many)], env=env).output
    assert output.startswith(f"#{many} ft_portal") and "https://example.org/7: HTTP 500" in output
    assert f"#{run_id} ft_portal" not in output and "more errors" not in output
    wrong = CliRunner().invoke(cli, ["runs", "999999"], env=env)
    assert wrong.exit_code == 1 and "No run #999999; `callmatch runs` lists the recent ones." in wrong.output

    killed = run_of_a_killed_process(db, "ft_portal")  # a crawl killed by hand: nothing else runs after it
    assert f"#{killed} ft_portal" in (output := CliRunner().invoke(cli, ["runs"], env=env).output)
    assert f"failed   pages=0 calls: new=0 updated=0 dropped=0 errors=0 {runs.ABANDONED}" in output

    # The CORDIS import reads participations (an organisation in a project), and its runs say so.
    ensure_source(db, "cordis")
    imported = runs.start_run(db, "cordis")
    runs.finish_run(db, imported, pages=3, seen=12, new=12, updated=0, unchanged=0, dropped=0, drop_reasons={},
                    errors=[], stats={})
    assert "pages=3 participations: new=12" in CliRunner().invoke(cli, ["runs", str(imported)], env=env).output


def test_the_demo_keeps_digests_in_a_local_mailbox_when_no_mail_server_is_set(settings, monkeypatch):
    import socket
    from email.message import EmailMessage

    from cli.context import AppContext
    from cli.demo import _mailbox
    from worker.digest import smtp_send

    monkeypatch.delenv("SMTP_URL", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = AppContext(settings.with_(smtp_url=f"smtp://127.0.0.1:{port}"))
    app.settings.ensure_data_dir()
    mailbox = _mailbox(app)
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "callmatch@localhost", "pm@sic.lv", "callmatch: 1 new fitting call"
        message.set_content("New calls in the top 50")
        smtp_send(app.settings, message)
    finally:
        mailbox.stop()
    [delivered] = (settings.data_dir / "mail" / "new").iterdir()
    assert "Subject: callmatch: 1 new fitting call" in delivered.read_text()


def test_demo_and_serve_say_at_once_when_their_port_is_taken(settings):
    import socket

    from tests.helpers.cli import run_callmatch

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in (["demo"], ["serve"]):
            result = run_callmatch(*command, "--port", port, settings=settings)
            assert result.returncode == 1, result.stdout + result.stderr
            assert f"Error: Cannot listen on 127.0.0.1:{port} (Address already in use); choose another --port." in (
                result.stderr)
            assert "Traceback" not in result.stderr and "Crawling" not in result.stdout  # before minutes of loading


def test_serve_names_a_host_it_cannot_listen_on_before_loading_anything(settings):
    from tests.helpers.cli import run_callmatch

    # .invalid never resolves (RFC 2606); 192.0.2.1 (TEST-NET-1) is no address of this machine.
    for host, message in (("nowhere.invalid", "Cannot listen on nowhere.invalid:5000: no such address here"),
                          ("192.0.2.1", "Cannot listen on 192.0.2.1:5000 (Cannot assign requested address)")):
        result = run_callmatch("serve", "--host", host, settings=settings)
        assert result.returncode == 1, result.stdout + result.stderr
        assert message in result.stderr and "choose another --host" in result.stderr
        assert "Traceback" not in result.stderr and "Serving on" not in result.stdout


def test_the_demo_loads_ranks_and_gives_a_login_on_servers_named_by_their_urls(settings, db, tmp_path):
    """`make demo`'s command with DATABASE_URL and REDIS_URL set: nothing else creates its data folder.
    A small model of random weights embeds the texts: what is tested is the loading, not the meaning (the
    rest of the suite uses the default model), and it saves the default model's minute of embedding."""
    from tests.helpers.cli import run_callmatch
    from tests.helpers.models import tiny_model
    from store import users

    assert not settings.data_dir.exists()
    model = tiny_model(tmp_path, dims=384)
    result = run_callmatch("demo", "--no-serve", settings=settings, timeout=600, env={"CALLMATCH_MODEL": str(model)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    password = result.stdout.split("Ready. Sign in as demo@sic.lv / ")[1].split()[0]
    assert users.password_matches(users.find_user(db, "demo@sic.lv"), password)
    assert (settings.data_dir / "demo-login.txt").read_text() == password
    assert db.scalar("SELECT count(*) FROM calls") == 1456 and db.scalar("SELECT count(*) FROM projects") == 298
    assert db.scalar("SELECT count(*) FROM match_results") == 1456


def test_add_call_stores_a_call_no_crawler_collects_and_says_every_problem(settings, db):
    from tests.helpers.cli import run_callmatch

    none_yet = run_callmatch("calls", "--source", "team", settings=settings)
    assert "No call was added by hand yet: `callmatch add-call`" in none_yet.stdout
    added = run_callmatch("add-call", "Cooperation partnerships in adult education", "--programme", "Erasmus+ (VIAA)",
                          "--reference", "KA220-ADU", "--deadline", "2027-03-05", "--grant-max", "400 000",
                          "--countries", "LV", "--results", "July 2027", "--description", "-", "--by", "pm@sic.lv",
                          settings=settings,
                          input="Adult education for social inclusion.\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Added team:ka220-adu: Cooperation partnerships in adult education (open).")
    call = db.fetchone("SELECT * FROM calls WHERE identifier = 'team:ka220-adu'")
    assert (call["source"], call["grant_max"], call["eligibility"], call["raw"]) == (
        "team", 400000, {"countries": ["LV"]}, {"added_by": "pm@sic.lv"})
    assert call["description_text"] == "Adult education for social inclusion."
    assert call["conditions_text"] == "Information on evaluation results: July 2027"
    listed = run_callmatch("calls", "--source", "team", settings=settings)
    assert "team:ka220-adu" in listed.stdout
    refused = run_callmatch("add-call", "", "--programme", "JSPA", "--deadline", "5 March", settings=settings)
    assert refused.returncode == 2
    assert "Give the call its title.\nThe deadline is a date written 2027-03-05: '5 March' is not one." in refused.stderr


def test_calls_search_reads_words_as_the_calls_page_does(settings, db):
    from tests.helpers.cli import run_callmatch
    from tests.helpers.data import add_call

    add_call(db, "HORIZON-CL2-2027-01-WELL", "Wellbeing of young people", "Mental health in schools.")
    add_call(db, "CERV-2027-SOCIO", "Civic participation", "Socio-economic inclusion of young people.")
    add_call(db, "LIFE-2027-ART", "Nature restoration", "State of the art monitoring.")

    def found(*words):
        result = run_callmatch("calls", "--search", *words, settings=settings)
        assert result.returncode == 0, result.stderr
        return sorted(re.findall(r"\b([A-Z]+-[A-Z0-9-]+)\b", result.stdout))

    assert found("well-being") == ["HORIZON-CL2-2027-01-WELL"]
    assert found('"socio economic" young') == ["CERV-2027-SOCIO"]
    assert found("cl2") == ["HORIZON-CL2-2027-01-WELL"]
    assert found("arts") == []  # the singular alone is "state of the art", not the arts
    nothing = run_callmatch("calls", "--search", "zzzq", "--source", "ft_portal", settings=settings)
    assert nothing.stdout.strip() == "No stored call from ft_portal holds every word of 'zzzq'."
    slip = run_callmatch("calls", "--search", "wellbeng", settings=settings)  # set right to a word the calls hold
    assert slip.stdout.strip() == "No stored call holds every word of 'wellbeng'. 1 call holds those of 'wellbeing'."
    apart = run_callmatch("calls", "--search", "young restoration", settings=settings)  # no call holds both
    assert apart.stdout.strip() == ("No stored call holds every word of 'young restoration'. 1 call holds those of"
                                    " 'restoration' ('young' left out). 2 calls hold those of 'young' ('restoration'"
                                    " left out).")  # the narrowest first
    formed = run_callmatch("calls", "--search", "participative young", settings=settings)  # no call holds the word
    assert formed.stdout.strip() == ("No stored call holds every word of 'participative young'. 1 call holds those"
                                     " of 'participation young'.")  # set right, as its other form would be


def test_bench_times_the_searches_the_pages_make_and_counts_what_they_find(settings, db):
    from cli.bench import bench_search
    from cli.context import AppContext
    from tests.helpers.data import add_call

    add_call(db, "CERV-2027-WELL", "Wellbeing of young people", "Social innovation for the social economy.",
             deadline="2027-03-01")
    add_call(db, "LIFE-2027-SOIL", "Soil health", "Living labs with the farming community's organizations.",
             deadline="2027-03-01")
    add_call(db, "CERV-2026-OVER", "Social innovation", "Social economy communities.", deadline="2026-03-01")
    figures = bench_search(AppContext(settings), db, organisations=2000, repeats=3)
    found = {name: figure["found"] for name, figure in figures.items()}
    # The calls as the calls page lists them, ranked for SIC: the one whose deadline has passed is screened out.
    # The dev dump's real names among the synthetic ones.
    assert found == {"calls_social": 1, "calls_communities": 1, "calls_wellbeing": 1, "calls_social_economy": 1,
                     "calls_organisation": 1, "names_university": 126, "names_riga": 0, "names_centre": 60}
    assert db.scalar("SELECT count(*) FROM organisations") == 2000
    assert all(0 < figure["p50_ms"] <= figure["p95_ms"] for figure in figures.values())
