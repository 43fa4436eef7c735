"""`callmatch bench`: speed and memory figures (targets live here, never in timed tests).

Everything runs in a database of its own on the same server, so benchmarks never touch real data.
"""

from __future__ import annotations

import math
import os
import re
import resource
import subprocess
import sys
import threading
import time
import tracemalloc

import click
import numpy as np

from .context import AppContext
from .main import cli

BENCH_DB = "callmatch_bench"


def _bench_database(app: AppContext):
    from store import migrate
    from store.db import Database
    from store.services import sibling_database

    db = Database(sibling_database(app.services.database_url, BENCH_DB), max_size=8, zone=app.settings.timezone).open()
    migrate.upgrade(db)
    return db


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """The largest resident memory of this process (or of its largest child process) so far, in MiB."""
    peak = resource.getrusage(who).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)  # bytes on macOS, KiB on Linux


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def bench_crawl(app: AppContext, db) -> dict:
    from store import runs

    recording = app.settings.shared_path("fixtures", "ft-portal", "search-2026-06-27")
    db.execute("DELETE FROM calls WHERE source = 'ft_portal'")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", "from cli.main import main; main()", "crawl", "ft_portal",
                             "--replay", str(recording)], capture_output=True, text=True,
                            env={**os.environ, "DATABASE_URL": db.url})
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise click.ClickException("the benchmark crawl failed: " + result.stderr[-500:])
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'ft_portal' ORDER BY id DESC LIMIT 1")
    # Every record read: stored, dropped, or merged into a copy read earlier.
    items = run["items_new"] + run["items_updated"] + run["items_unchanged"] + run["items_dropped"] + runs.merged(run)
    return {"seconds": round(seconds, 2), "pages_per_s": round(run["pages"] / seconds, 2),
            "items_per_s": round(items / seconds, 1), "pages": run["pages"], "items": items,
            "crawl_process_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN)}


def bench_import(app: AppContext, db) -> dict:
    """The dev dump's partner data imported afresh. Emptying the partner data empties the profiles too (and the
    rankings, decisions and all else of theirs): the benchmark's own database holds nothing else."""
    from crawlers import cordis

    folder = app.settings.shared_path("benchmarks", "cordis-dev", "partners")
    db.execute("TRUNCATE participations, organisation_identifiers, organisations, projects, topics CASCADE")
    report = cordis.import_dump(db, folder)
    return {"rows": report.rows, "seconds": round(report.seconds, 2),
            "rows_per_s": round(report.rows / report.seconds, 1)}


def _ensure_calls(app: AppContext, db) -> None:
    """The recorded calls, crawled once, for the steps that measure with them when run alone."""
    if not db.scalar("SELECT count(*) FROM calls WHERE source = 'ft_portal'"):
        bench_crawl(app, db)


def _ensure_ranked_calls(app: AppContext, db) -> None:
    """The recorded calls, ranked for SIC once, for the steps that measure pages and searches over them."""
    _ensure_calls(app, db)
    if not db.scalar("SELECT count(*) FROM match_results"):
        bench_scoring(app, db)


def bench_embedding(app: AppContext, db, repeats: int = 3) -> dict:
    """Texts per second of sentence-transformers' own `encode` and of our embedder's two backends, same texts."""
    from matcher.embedder import INT8, Embedder
    from matcher.signals import passages

    _ensure_calls(app, db)
    # By identifier, not by id: the crawl stores calls in whatever order the pages arrive, and the
    # figures should come from the same texts every run.
    rows = db.fetchall("SELECT title, description_text FROM calls ORDER BY source, identifier LIMIT 400")
    texts = [p for r in rows for p in [r["title"], *passages(r["description_text"] or "")[:2]]][:600]
    fp32 = Embedder.from_settings(app.settings.with_(model=app.settings.model.removesuffix(INT8)))
    int8 = fp32.int8_twin()
    for embedder in (fp32, int8):
        embedder.encode_documents(texts[:8])  # load (and for int8, export) the model outside the timing

    # The reference: sentence-transformers' own encode of the same model, as anyone would call it.
    methods = {"plain": lambda t: fp32.model.encode(t, normalize_embeddings=True, show_progress_bar=False),
               "fp32": fp32.encode_documents, "int8": int8.encode_documents}
    best = {name: math.inf for name in methods}
    vectors = {}
    for _ in range(repeats):  # interleaved, best of each: a shared machine's noise only ever slows a run down
        for name, encode in methods.items():
            started = time.perf_counter()
            vectors[name] = encode(texts)
            best[name] = min(best[name], time.perf_counter() - started)
    result = {"texts": len(texts), "repeats": repeats, "configured_model": app.settings.model,
              "plain_encode_texts_per_s": round(len(texts) / best["plain"], 1)}
    for name in ("fp32", "int8"):
        cosine = float(np.mean(np.sum(vectors[name] * vectors["plain"], axis=1)))
        result[name] = {"texts_per_s": round(len(texts) / best[name], 1),
                        "speedup": round(best["plain"] / best[name], 2), "mean_cosine_to_plain": round(cosine, 4)}
    return result


def bench_scoring(app: AppContext, db) -> dict:
    from matcher import ranking
    from matcher.embedder import Embedder, EmbeddingStore
    from store import profiles

    store = EmbeddingStore(db, Embedder.from_settings(app.settings))
    profile_id = profiles.ensure_default_profile(db)
    ranking.rank_calls(db, store, profile_id, app.settings.as_of())  # embeds once (cached afterwards)
    started = time.perf_counter()
    result = ranking.rank_calls(db, store, profile_id, app.settings.as_of(), only_changed=False)
    return {"calls": result["calls"], "seconds_to_score_all": round(time.perf_counter() - started, 2)}


SYNTHETIC_NAME = "Synthetic organisation "


def synthetic_organisations(db, count: int) -> int:
    """Add organisations (and projects linking them) until `count` exist: a realistic-size partner pool.
    What an earlier run of another size added is made again, so the pool is the size asked for;
    organisations imported from real data stay, and where they alone are more, the pool is theirs."""
    have = db.scalar("SELECT count(*) FROM organisations")
    if have == count:
        return have
    with db.transaction() as cur:  # participations go with their organisations and projects
        cur.execute("DELETE FROM organisations WHERE name LIKE %s", (SYNTHETIC_NAME + "%",))
        cur.execute("DELETE FROM projects WHERE source = 'bench'")
    have = db.scalar("SELECT count(*) FROM organisations")
    if have >= count:
        return have
    rng = np.random.default_rng(7)
    topics = [r["code"] for r in db.fetchall("SELECT code FROM topics ORDER BY code")] or ["SYNTH-01-2020"]
    with db.transaction() as cur:
        cur.execute("INSERT INTO sources (name, kind, title) VALUES ('bench', 'partners', 'Benchmark data')"
                    " ON CONFLICT DO NOTHING")
        new = count - have
        with cur.copy("COPY organisations (name, country, sector) FROM STDIN") as copy:
            for i in range(new):
                copy.write_row((f"{SYNTHETIC_NAME}{i}", ["LV", "EE", "LT", "FI", "SE", "DE", "PL"][i % 7],
                                ["academic", "research", "private", "public", "other"][i % 5]))
        org_ids = [r["id"] for r in cur.execute("SELECT id FROM organisations ORDER BY id DESC LIMIT %s", (new,))]
        projects = max(new // 4, 1)
        with cur.copy("COPY projects (source, source_id, title, topic_code) FROM STDIN") as copy:
            for p in range(projects):
                copy.write_row(("bench", f"b{p}", f"Synthetic project {p}", topics[p % len(topics)]))
        project_ids = [r["id"] for r in cur.execute("SELECT id FROM projects WHERE source = 'bench' ORDER BY id")]
        with cur.copy("COPY participations (project_id, organisation_id, role) FROM STDIN") as copy:
            for org in org_ids:
                for project in set(rng.choice(project_ids, size=3)):
                    copy.write_row((int(project), org, "participant"))
    return db.scalar("SELECT count(*) FROM organisations")


def bench_partners(app: AppContext, db, organisations: int) -> dict:
    from matcher import partners
    from matcher.embedder import Embedder, EmbeddingStore

    total = synthetic_organisations(db, organisations)
    store = EmbeddingStore(db, Embedder.from_settings(app.settings))
    started = time.perf_counter()
    index = partners.PartnerIndex.load(db, store)
    load_s = time.perf_counter() - started
    vector = store.vectors(["Social innovation and civic participation"])[0]
    latencies, reordered = [], []
    for i in range(30):
        consortium = [i, i + 1]
        started = time.perf_counter()
        ranking = partners.rank(index, "HORIZON-CL2-2027-01-DEMOCRACY-03", vector, consortium)
        latencies.append(time.perf_counter() - started)
        # Listed by the closeness of past work instead (the call page's other order): the sort on top.
        started = time.perf_counter()
        ranked = ranking.positions[np.isfinite(ranking.scores[ranking.positions])]
        partners.by_past_work(ranking, ranked, partners.ranks(ranking), 15)
        reordered.append(time.perf_counter() - started)
    return {"organisations": total, "index_load_s": round(load_s, 2),
            "rank_p50_ms": round(_percentile(latencies, 50) * 1000, 1),
            "rank_p95_ms": round(_percentile(latencies, 95) * 1000, 1),
            "past_work_order_p50_ms": round(_percentile(reordered, 50) * 1000, 1),
            "index_mb": _index_mb(db, store, vector)}


# Searches the calls page and the Partners page are typed with: a word, a plural, a word written with a
# hyphen, a phrase, a word spelt two ways; a name, a word most of the pool's names hold, and one spelt two ways.
CALL_SEARCHES = ("social", "communities", "wellbeing", '"social economy"', "organisation")
NAME_SEARCHES = ("university", "riga", "centre")


def bench_search(app: AppContext, db, organisations: int, repeats: int = 15) -> dict:
    """The calls page's search over every recorded call (ranked for SIC, as the page lists them) and the Partners
    page's name search over the partner pool: milliseconds a search, the count included, p50 and p95."""
    from store import calls as call_store
    from store import partners as partner_store
    from store import profiles

    # Real names among the synthetic ones, for the name searches to find; imported before the calls are ranked,
    # since the import empties the partner data and with it the profiles (a profile may name its organisation).
    if not db.scalar("SELECT count(*) FROM organisations WHERE name NOT LIKE %s", (SYNTHETIC_NAME + "%",)):
        bench_import(app, db)
    _ensure_ranked_calls(app, db)
    synthetic_organisations(db, organisations)
    profile_id, today = profiles.ensure_default_profile(db), app.settings.as_of()

    def named(words: str) -> str:  # '"social economy"': social_economy
        return "_".join(re.findall(r"\w+", words))

    searches = {**{f"calls_{named(words)}": lambda words=words: call_store.search_calls(db, profile_id, today,
                                                                                       text=words)
                   for words in CALL_SEARCHES},
                **{f"names_{named(words)}": lambda words=words: partner_store.search_organisations(db, q=words)
                   for words in NAME_SEARCHES}}
    figures = {}
    for name, run in searches.items():
        run()  # warm: the first search plans and reads the table into memory
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            found = run()[1]
            times.append(time.perf_counter() - started)
        figures[name] = {"found": found, "p50_ms": round(_percentile(times, 50) * 1000, 1),
                         "p95_ms": round(_percentile(times, 95) * 1000, 1)}
    return figures


def _index_mb(db, store, vector) -> float:
    """What a partner index holds in memory once it has ranked (the parts it works out on first use
    included), in MiB: a web process keeps one between requests. Measured on a second load, outside the
    timings, since tracing allocations slows them; the texts' vectors come from the cache by then."""
    from matcher import partners

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = partners.PartnerIndex.load(db, store)
        partners.rank(index, "HORIZON-CL2-2027-01-DEMOCRACY-03", vector, [0, 1])
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return round(held / 2**20, 1)


def bench_web(app: AppContext, db, organisations: int, clients: int = 4, requests: int = 40) -> dict:
    import urllib.request
    from http.cookiejar import CookieJar

    from store.users import create_user
    from webapp import create_app
    from webapp.loopback import serving

    # The pages are measured with every recorded call ranked and the full partner pool loaded.
    _ensure_ranked_calls(app, db)
    synthetic_organisations(db, organisations)
    email, password = "bench@sic.lv", "benchmark password"
    if not db.scalar("SELECT 1 FROM users WHERE email = %s", (email,)):
        create_user(db, email, password, "manager")
    web = create_app(app.settings, {"WTF_CSRF_ENABLED": False}, database=db)
    top = db.scalar("SELECT c.identifier FROM match_results m JOIN calls c ON c.id = m.call_id ORDER BY m.rank LIMIT 1")

    def session():
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        opener.open(f"{base}/login", data=f"email={email}&password={password}".encode()).read()
        return opener

    results: dict[str, list[float]] = {"calls_page": [], "call_page": []}

    def client():
        opener = session()
        for _ in range(requests // clients):
            for name, path in (("calls_page", "/calls"), ("call_page", f"/calls/{top}")):
                started = time.perf_counter()
                opener.open(base + path).read()
                results[name].append(time.perf_counter() - started)

    with serving(web, threads=8) as base:
        session().open(f"{base}/calls/{top}").read()  # warm: the partner index and the model load once
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return {name: {"p50_ms": round(_percentile(v, 50) * 1000, 1), "p95_ms": round(_percentile(v, 95) * 1000, 1),
                   "requests": len(v)} for name, v in results.items()} | {"clients": clients}


@cli.command()
@click.argument("what", type=click.Choice(["all", "crawl", "import", "embedding", "scoring", "partners", "search",
                                          "web"]),
                default="all")
@click.option("--organisations", default=50000, show_default=True, type=click.IntRange(min=100),
              help="Partner pool size for partners, search and web (at least 100).")
@click.pass_obj
def bench(app: AppContext, what: str, organisations: int) -> None:
    """Print throughput, latency and memory figures (crawl, import, embedding, scoring, partner ranking,
    searches, web pages). After each part, peak_rss_mb: the largest resident memory of this process so far."""
    if app.settings.today is None:
        from .demo import RECORDED_ON

        app.settings = app.settings.with_(today=RECORDED_ON)
    db = _bench_database(app)
    steps = {
        "crawl": lambda: bench_crawl(app, db),
        "import": lambda: bench_import(app, db),
        "embedding": lambda: bench_embedding(app, db),
        "scoring": lambda: bench_scoring(app, db),
        "partners": lambda: bench_partners(app, db, organisations),
        "search": lambda: bench_search(app, db, organisations),
        "web": lambda: bench_web(app, db, organisations),
    }
    chosen = list(steps) if what == "all" else [what]
    for name in chosen:
        click.echo(f"{name:10} ...", nl=False)
        figures = steps[name]() | {"peak_rss_mb": _peak_mb()}
        click.echo("\r" + f"{name:10} " + ", ".join(f"{k}={v}" for k, v in _flat(figures)))
    db.close()


def _flat(figures: dict, prefix: str = ""):
    """(name, value) pairs, nested figures named by their path: fp32.texts_per_s=126.0."""
    for key, value in figures.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield prefix + key, value
