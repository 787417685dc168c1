"""Command line: python -m matcher COMMAND. Exit codes: 0 ok, 1 bad input or not found, 2 usage error."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from tqdm import tqdm

from matcher.config import get_settings
from matcher.domain.records import RecordValidationError, Side

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2
SIDE_BY_NAME = {"offerings": Side.SUPPLY, "scenarios": Side.DEMAND}


PROGRAMME_KINDS = ("organisations", "cases", "campaigns")   # tables of the city's programme (no index work)


def _platform(sync: bool = True):
    from matcher.service import Platform  # heavy imports (torch) only for commands that need them

    return Platform.open(get_settings(), sync=sync)


def _bar(desc: str):
    bar = tqdm(total=100, desc=desc, unit="%", file=sys.stderr, leave=False)

    def update(fraction: float, _message: str) -> None:
        bar.n = int(fraction * 100)
        bar.refresh()
    return bar, update


def cmd_init(args) -> int:
    from sqlalchemy.engine import make_url

    platform = _platform()
    store = platform.store
    shown = make_url(store.url).render_as_string(hide_password=True)
    before = store.migrated_from or "new database"
    change = f"migrated {before} -> {store.revision}" if before != store.revision else "up to date"
    print(f"database: {shown} (schema v{store.schema_version()}, revision {store.revision}: {change})")
    print(f"indexes:  {platform.engine.index_root}")
    return EXIT_OK


def cmd_seed_demo(args) -> int:
    platform = _platform()
    bar, update = _bar("seed-demo")
    loaded = platform.seed_demo(progress=update)
    bar.close()
    print("demo data loaded" if loaded else "database already holds records; demo data not loaded")
    return EXIT_OK


def _print_errors(exc: RecordValidationError, file: str) -> int:
    print(f"Nothing imported: {len(exc.errors)} problem(s) in {file}", file=sys.stderr)
    for err in exc.errors:
        where = f"row {err.row}: " if err.row else ""
        print(f"  {where}{err.en} / {err.zh}", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_import(args) -> int:
    if args.kind in PROGRAMME_KINDS:
        return _import_programme(args)
    platform = _platform()
    bar, update = _bar(f"import {args.kind}")
    try:
        ids = platform.import_file(SIDE_BY_NAME[args.kind], Path(args.file), Path(args.file).name,
                                   actor="cli", progress=update)
    except RecordValidationError as exc:
        bar.close()
        return _print_errors(exc, args.file)
    bar.close()
    print(f"imported {len(ids)} {args.kind} (committed)")
    if getattr(ids, "deferred", None):  # the rows are saved; only indexing/matching stopped
        print(f"warning: indexing or matching stopped after the commit ({ids.deferred}); the next start "
              "(or `python -m matcher init`) completes it. Do not import the file again.", file=sys.stderr)
    return EXIT_OK


def _import_programme(args) -> int:
    """The cultivation list (organisations with tags), cases or campaigns; no index work, so no model is loaded."""
    from matcher.io.campaigns import import_campaigns
    from matcher.io.cases import import_cases
    from matcher.io.organisations import import_organisations
    from matcher.storage.store import Store

    store = Store(get_settings().database_url)
    try:
        if args.kind == "organisations":
            ids = import_organisations(store, Path(args.file), Path(args.file).name, actor="cli",
                                       verified=not args.unverified)
        elif args.kind == "campaigns":
            ids = import_campaigns(store, Path(args.file), Path(args.file).name, actor="cli")
        else:
            ids = import_cases(store, Path(args.file), Path(args.file).name, actor="cli")
    except RecordValidationError as exc:
        return _print_errors(exc, args.file)
    print(f"imported {len(set(ids))} {args.kind}")
    return EXIT_OK


def _programme_rows(store, kind: str, lang: str) -> list[dict]:
    from matcher.io import campaigns as campaigns_io
    from matcher.io import cases as cases_io
    from matcher.io import organisations as orgs_io

    module = {"organisations": orgs_io, "cases": cases_io, "campaigns": campaigns_io}[kind]
    rows = {"organisations": orgs_io.export_organisations, "cases": cases_io.export_cases,
            "campaigns": campaigns_io.export_campaigns}[kind](store)
    names = getattr(module, "HEADERS_ZH", {}) if lang == "zh" else {}
    return [{names.get(k, k): v for k, v in r.items()} for r in rows]


def cmd_export(args) -> int:
    from matcher.io.exporting import export_file, export_rows
    from matcher.io.imports import write_table

    platform = _platform(sync=False)
    fmt = "xlsx" if args.file.lower().endswith(".xlsx") else "csv"
    if args.kind in PROGRAMME_KINDS:
        rows = _programme_rows(platform.store, args.kind, args.headers)
        write_table(rows, args.file, fmt)
        print(f"exported {len(rows)} {args.kind} rows to {args.file}")
        return EXIT_OK
    kind = {"offering": "offerings", "scenario": "scenarios"}.get(args.kind, args.kind)
    data = export_file(platform.store, kind, fmt, lang=args.headers, labelled=args.labels)
    with open(args.file, "wb") as fh:   # the header row is written even when there are no rows
        fh.write(data)
    print(f"exported {len(export_rows(platform.store, kind))} {args.kind} to {args.file}")
    return EXIT_OK


def _tag_kind(value: str) -> str:
    """--tag: a tag kind's code or its Chinese name (as in the cultivation list)."""
    from matcher.domain.organisations import TagKind, _alias

    try:
        return str(TagKind(_alias(value)))
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown tag {value!r}; one of: {', '.join(k.value for k in TagKind)}")


def _tag_level(value: str) -> str:
    from matcher.domain.organisations import TagLevel, _alias

    try:
        return str(TagLevel(_alias(value)))
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown level {value!r}; one of: {', '.join(k.value for k in TagLevel)}")


def cmd_match(args) -> int:
    from matcher.search.ranking import Filters

    platform = _platform()
    target_side = Side.SUPPLY if args.scenario or (args.text and args.side == "demand") else Side.DEMAND
    filters = Filters(industry=args.industry, region=args.region, min_maturity=args.min_maturity)
    tags = dict(tags=args.tag, tag_level=args.tag_level)   # only verified tags count (Platform.tag_filter)
    if args.text and (args.tag or args.tag_level):
        filters = Filters(industry=args.industry, region=args.region, min_maturity=args.min_maturity,
                          only_ids=platform.tag_filter(target_side, args.tag or [], args.tag_level))
    cases: list = []
    try:
        if args.scenario:
            record = platform.store.get_record(Side.DEMAND, args.scenario)
            cases = platform.similar_cases(record) if record else []
            side, found = Side.DEMAND, platform.suggestions(Side.DEMAND, args.scenario, args.top, filters, **tags)
        elif args.offering:
            side, found = Side.SUPPLY, platform.suggestions(Side.SUPPLY, args.offering, args.top, filters, **tags)
        else:
            side = Side(args.side)
            found = platform.engine.match_text(args.text, side, args.top, filters)
            cases = platform.similar_cases(args.text) if side == Side.DEMAND else []
    except KeyError as exc:
        print(f"no such record: {exc.args[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        doc = {"suggestions": [s.to_dict() for s in found]}
        if side == Side.DEMAND:  # a scenario (or demand text): the most similar past cases beside them
            doc["similar_cases"] = [{"id": c.id, "score": c.score} for c in cases]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_OK
    target = Side.SUPPLY if side == Side.DEMAND else Side.DEMAND
    for rank, sug in enumerate(found, 1):
        record = platform.store.get_record(target, sug.counterpart_id(side))
        print(f"{rank:2d}. {sug.score:.3f}  {record['id']}  {record['title']}")
        for reason in sug.reasons:
            print(f"      - {reason.text(args.lang)}")
        for check in sug.indicators:
            mark = {"met": "✓", "unmet": "✗"}.get(check["status"], "?")
            print(f"        {mark} {check['indicator']}" + (f"  ← {check['evidence']}" if check["evidence"] else ""))
    for case in cases:
        print(f"{'similar case' if args.lang == 'en' else '相似案例'} {case.id}  {case.score:.3f}")
    return EXIT_OK


def cmd_calibrate(args) -> int:
    from matcher.search.calibrate import calibrate
    from matcher.search.encoders import create_encoder
    from matcher.search.encoders.base import profile_path

    settings = get_settings()
    encoder = create_encoder(settings)
    profile, report = calibrate([Path(d) for d in args.dirs], settings, encoder, folds=args.folds,
                                log=lambda m: print(m, file=sys.stderr))
    out = Path(args.out) if args.out else settings.var_dir / "profiles"
    target = profile_path(encoder.name, out) if out.suffix != ".json" else out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(profile.to_json(), encoding="utf-8")
    if args.json:
        print(json.dumps(report))
        return EXIT_OK
    print(f"profile of {encoder.name} written to {target}")
    print(f"calibration: {report['calibration']}")
    print(f"{'set':10s} {'queries':>7s} {'dense':>7s} {'bm25':>7s} {'before':>7s} {'fitted':>7s} {'CV-sets':>7s} {'CV-5f':>7s}")
    cv = report["cross_validated"]
    folds = next(k for k in cv if k.endswith("_fold"))
    for name, n in report["sets"].items():
        print(f"{name:10s} {n:7d} {report['single_channel']['dense'][name]:7.4f} "
              f"{report['single_channel']['bm25'][name]:7.4f} {report['before'][name]:7.4f} "
              f"{report['in_sample'][name]:7.4f} {cv['leave_one_set_out'][name]:7.4f} {cv[folds][name]:7.4f}")
    return EXIT_OK


def cmd_evaluate(args) -> int:
    from matcher.search.encoders import create_encoder
    from matcher.search.evaluate import evaluate_dir

    settings = get_settings()
    bar = tqdm(desc="evaluate", unit="q", file=sys.stderr, leave=False, disable=args.json)

    def progress(n: int, total: int) -> None:
        bar.total = total
        bar.n = n
        bar.refresh()
    report = evaluate_dir(Path(args.dir), settings, create_encoder(settings), progress=progress)
    bar.close()
    if args.json:
        print(json.dumps(report))
        return EXIT_OK
    print(f"{report['n_queries']} queries in {args.dir}")
    print(f"{'mode':8s} {'nDCG@10':>8s} {'Recall@10':>10s} {'MRR':>8s}")
    for mode, m in report["modes"].items():
        print(f"{mode:8s} {m['ndcg@10']:8.3f} {m['recall@10']:10.3f} {m['mrr']:8.3f}")
    return EXIT_OK


def cmd_reindex(args) -> int:
    from matcher.search.engine import database_index_dir
    from matcher.storage.store import Store

    settings = get_settings()
    store = Store(settings.database_url)
    shutil.rmtree(database_index_dir(settings, store.database_id), ignore_errors=True)  # this database's only
    store.engine.dispose()
    platform = _platform(sync=False)
    for report in platform.engine.sync(progress=True):
        print(f"{report.side.value}: {report.total} records indexed")
    return EXIT_OK


def cmd_backup(args) -> int:
    from matcher.storage.store import Store

    from matcher.storage.backup import RestoreError

    store = Store(get_settings().database_url)
    try:
        store.backup(Path(args.file))
    except RestoreError as exc:  # pg_dump missing or failing: nothing was written
        print(f"No backup written: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"backup written to {args.file}")
    return EXIT_OK


def cmd_restore(args) -> int:
    from matcher.storage.backup import RestoreError, restore, restore_postgres
    from matcher.storage.backends import dialect_of, normalise_url

    settings = get_settings()
    url = normalise_url(settings.database_url)
    if dialect_of(url) == "postgresql":
        from sqlalchemy.engine import make_url

        where = make_url(url).database
        try:
            kept = restore_postgres(url, Path(args.file), settings.var_dir)
        except RestoreError as exc:
            print(f"Not restored: {args.file}: {exc}. The live database {where} was not changed.", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"restored {args.file} to database {where}")
        print(f"previous contents kept as {kept} (pg_restore it to go back)")
    elif url.startswith("sqlite:///") and ":memory:" not in url:
        live = Path(url.split("///", 1)[1])
        try:
            kept = restore(Path(args.file), live)
        except RestoreError as exc:
            print(f"Not restored: {args.file}: {exc}. The live database {live} was not changed.", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"restored {args.file} to {live}")
        if kept:
            print(f"previous database kept as {kept}")
    else:
        print(f"restore works on a SQLite database file or PostgreSQL; {url} is neither", file=sys.stderr)
        return EXIT_BAD_INPUT
    print("indexes are re-synced with the restored records at the next start (app or python -m matcher init)")
    return EXIT_OK


def cmd_create_user(args) -> int:
    import getpass

    from matcher.auth import AuthError, create_user
    from matcher.storage.store import Store

    password = args.password or getpass.getpass("password: ")
    try:
        account = create_user(Store(get_settings().database_url), args.email, password, args.role,
                              args.organization, args.contact_name, actor="cli")
    except AuthError as exc:
        print(f"{exc.en} / {exc.zh}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"created {account.role.value} account {account.email} (id {account.id})")
    return EXIT_OK


def cmd_bench(args) -> int:
    from matcher.bench import OTHER_SECTIONS, carry_over, render, run
    from matcher.search.encoders import BACKENDS

    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    cache_dir = Path(args.cache_dir) if args.cache_dir else get_settings().var_dir / "bench"
    opts = {"queries": args.queries, "baseline_queries": args.baseline_queries, "real_vectors": args.real_vectors,
            "encode_sample": args.encode_sample, "txtai": not args.no_txtai,
            "onnx": not args.no_onnx, "quality": not args.no_quality, "profile": args.profile,
            "ann_sizes": [int(x) for x in args.ann_sizes.split(",") if x.strip()],
            "encoders": [x.strip() for x in args.encoders.split(",") if x.strip()], "cache_dir": str(cache_dir),
            "rounds": args.rounds, "e2e_sizes": [int(x) for x in args.e2e_sizes.split(",") if x.strip()],
            "e2e_real": args.e2e_real, "e2e_encoder": args.e2e_encoder}
    if args.e2e_encoder and args.e2e_encoder not in opts["encoders"]:
        print(f"--e2e-encoder: {args.e2e_encoder} is not one of --encoders ({args.encoders})", file=sys.stderr)
        return EXIT_BAD_INPUT
    bad = [b for b in opts["encoders"] if b not in BACKENDS]
    if bad or not opts["encoders"]:
        print(f"--encoders: unknown backend(s) {', '.join(bad) or '(none given)'}; choose from {', '.join(BACKENDS)}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    doc = run(sizes, opts)
    if args.results:
        out = Path(args.results)
        out.mkdir(parents=True, exist_ok=True)
        carry_over(doc, out / "results.json")
        (out / "results.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        results_md = out / "RESULTS.md"
        # The other benchmarks' sections (below the marker) are not this run's to replace.
        kept = results_md.read_text(encoding="utf-8").partition(OTHER_SECTIONS)[2] if results_md.exists() else ""
        results_md.write_text(render(doc, "python -m matcher bench " + " ".join(sys.argv[2:]))
                              + (f"\n{OTHER_SECTIONS}{kept}" if kept else ""), encoding="utf-8")
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        for b, e in doc["encoders"].items():
            print(f"{b} ({e['model']}, {e['dim']}-d): one query {e['single_query_p50_ms']} ms p50, "
                  f"{e['encode_texts_per_s']} texts/s")
        for n, rows in doc["sizes"].items():
            for b, r in rows.items():
                print(f"N={n} {b}: hybrid p50 {r['hybrid_p50_ms']} ms, baseline {r['baseline_p50_ms']} ms "
                      f"({r['speedup_vs_baseline']}x), txtai {r.get('txtai_p50_ms')} ms, add one {r['add_one_ms']} ms")
    return EXIT_OK


def cmd_expire(args) -> int:
    """The lifecycle sweep, for cron: expire listings past their last day, remind owners, close calls."""
    import datetime as dt

    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError:
        print(f"--today: not a date like 2027-03-31: {args.today}", file=sys.stderr)
        return EXIT_BAD_INPUT
    platform = _platform()
    try:
        result = platform.expire_listings(today)
    finally:
        platform.close()
    print(f"expired {len(result.expired.get(Side.SUPPLY, []))} offerings and "
          f"{len(result.expired.get(Side.DEMAND, []))} scenarios; {result.reminded} reminders sent; "
          f"{result.calls_closed} calls closed")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matcher", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the database and indexes").set_defaults(func=cmd_init)
    sub.add_parser("seed-demo", help="load data/demo into an empty database").set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("import", help="import a CSV/XLSX file, all rows or none")
    p.add_argument("kind", choices=[*SIDE_BY_NAME, *PROGRAMME_KINDS])
    p.add_argument("file")
    p.add_argument("--unverified", action="store_true",
                   help="organisations: leave the file's tags for an official to verify (default: the city's "
                        "own list counts as verified)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export records or pairings to CSV/XLSX (by the file's extension)")
    p.add_argument("kind", choices=[*SIDE_BY_NAME, "pairings", *PROGRAMME_KINDS])
    p.add_argument("file")
    p.add_argument("--headers", choices=["en", "zh"], default="en", help="header language")
    p.add_argument("--labels", action="store_true",
                   help="headers and code values as words in the --headers language (for people, not re-import)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("match", help="suggest counterparts for a record or a text")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--scenario", help="scenario id: find offerings")
    who.add_argument("--offering", help="offering id: find scenarios")
    who.add_argument("--text", help="free text; needs --side")
    p.add_argument("--side", choices=[s.value for s in Side], help="side the text is posted on")
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--industry", help="hard filter: counterpart industry code")
    p.add_argument("--region", help="hard filter: counterpart region")
    p.add_argument("--min-maturity", help="hard filter: lab, pilot, small_batch or mass_production")
    p.add_argument("--tag", action="append", type=_tag_kind,
                   help="hard filter: counterpart's organisation holds this verified tag (specialised, little_giant, "
                        "single_champion, high_tech, gazelle, unicorn, or 专精特新 小巨人 单项冠军 高新技术企业 瞪羚 "
                        "独角兽); repeatable, any of them counts")
    p.add_argument("--tag-level", type=_tag_level,
                   help="with --tag: the tag at this level (national, provincial, municipal / 国家级 省级 市级); "
                        "alone: any verified tag at this level")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the reasons")
    p.add_argument("--json", action="store_true", help="print suggestions as JSON")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("evaluate", help="nDCG@10, Recall@10, MRR on a labelled folder (temporary store)")
    p.add_argument("dir")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("calibrate", help="fit the encoder's cosine floor and dense weights from labelled folders")
    p.add_argument("dirs", nargs="+", help="labelled folders (offerings.csv, scenarios.csv, qrels.csv)")
    p.add_argument("--folds", type=int, default=5, help="query folds for the cross-validated figures")
    p.add_argument("--out", help="folder (or .json file) for the profile; default <var_dir>/profiles")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("create-user", help="create an account (the first admin, or officials)")
    p.add_argument("--role", choices=["admin", "official", "enterprise"], required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--organization", default="Changzhou platform", help="organization name")
    p.add_argument("--contact-name", help="contact person")
    p.add_argument("--password", help="password (prompted for when left out)")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("bench", help="benchmark latency, ingest, memory and encoders against baselines")
    p.add_argument("--sizes", default="1000,10000,100000", help="comma-separated corpus sizes N")
    p.add_argument("--encoders", default="use,sentence-transformers",
                   help="comma-separated encoder backends measured side by side (use, sentence-transformers, e5, onnx, fake)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.add_argument("--results", help="folder to write results.json and RESULTS.md into (e.g. benchmarks)")
    p.add_argument("--queries", type=int, default=50, help="new query texts timed per size")
    p.add_argument("--baseline-queries", type=int, default=15, help="queries for the slow baseline at N >= 50k")
    p.add_argument("--real-vectors", type=int, default=20_000, help="encode at most this many corpus texts")
    p.add_argument("--encode-sample", type=int, default=256, help="texts used to measure encoding throughput")
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds of fresh queries, engine and txtai interleaved; each ratio's spread is over them")
    p.add_argument("--ann-sizes", default="", help="sizes for the approximate-index measurement, e.g. 1000000")
    p.add_argument("--e2e-sizes", default="", help="end-to-end sizes (both channels, real query encoding), e.g. 1000000")
    p.add_argument("--e2e-real", type=int, default=100_000, help="records with a real encoding in the end-to-end run")
    p.add_argument("--e2e-encoder", help="encoder of the end-to-end run (default: the default encoder)")
    p.add_argument("--cache-dir", help="where corpus vectors and ONNX exports are kept (default <var_dir>/bench)")
    p.add_argument("--no-txtai", action="store_true", help="skip the txtai baseline")
    p.add_argument("--no-onnx", action="store_true", help="skip the ONNX encoders")
    p.add_argument("--no-quality", action="store_true", help="skip nDCG@10 on the labelled sets")
    p.add_argument("--profile", action="store_true", help="add a cProfile breakdown of the match path")
    p.set_defaults(func=cmd_bench)

    sub.add_parser("reindex", help="rebuild every index from the database").set_defaults(func=cmd_reindex)
    p = sub.add_parser("expire", help="expire listings past their last day, remind owners before, close calls "
                       "past their closing date (run it from cron, e.g. daily)")
    p.add_argument("--today", help="act as if today were this date (YYYY-MM-DD), e.g. to catch up or try")
    p.set_defaults(func=cmd_expire)
    p = sub.add_parser("backup", help="copy the live database (SQLite online backup API, or pg_dump on PostgreSQL)")
    p.add_argument("file")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="replace the database by a checked backup (stop the app first)")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "match" and args.text and not args.side:
        parser.error("--text needs --side supply|demand")
    return args.func(args)
