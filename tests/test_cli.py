"""The command line: exit codes, all-or-nothing import, JSON output, backup, export neutralising."""
import csv
import json
import sqlite3
import subprocess
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

OFFERINGS_CSV = """标题,描述,单位,成熟度,地区
碳纤维车身部件,车身减重40%,甲公司,小批量,武进区
Graphene thermal film,Heat dissipation for battery packs; pack temperature reduced by 12 °C,Beta Ltd,mass_production,Suzhou
=HYPERLINK("http://x"),公式注入测试,丙公司,中试,常州
"""
SCENARIOS_CSV = """title,description,organization,budget_wan,deadline,indicators
车身太重，续航不达标,需要车身轻量化方案,丁汽车,300,2027-06-30,
Battery pack overheats,Need better heat dissipation,Epsilon Motors,120,2027-03-31,电池包温度降低≥8 °C;厚度≤0.1 mm
"""


def run(tmp_path, *args):
    env = {**os.environ, "MATCHER_VAR_DIR": str(tmp_path / "var"), "MATCHER_ENCODER": "fake",
           "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "matcher", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)


@pytest.fixture
def loaded(tmp_path):
    (tmp_path / "off.csv").write_text(OFFERINGS_CSV, encoding="gb18030")
    (tmp_path / "scen.csv").write_text(SCENARIOS_CSV, encoding="utf-8")
    assert run(tmp_path, "import", "offerings", "off.csv").returncode == 0
    assert run(tmp_path, "import", "scenarios", "scen.csv").returncode == 0
    return tmp_path


def test_help_and_usage_errors(tmp_path):
    assert run(tmp_path, "--help").returncode == 0
    assert run(tmp_path, "match", "--text", "x").returncode == 2          # --text needs --side
    assert run(tmp_path, "import", "widgets", "f.csv").returncode == 2


def test_bad_rows_import_nothing_and_name_each_row(loaded):
    (loaded / "bad.csv").write_text("title,description,organization,budget_wan\n"
                                    "ok,ok,ok,1\n,missing title,org,2\nneg,budget,org,-5\n", encoding="utf-8")
    result = run(loaded, "import", "scenarios", "bad.csv")
    assert result.returncode == 1
    assert "row 3" in result.stderr and "title" in result.stderr and "row 4" in result.stderr
    assert "budget_wan" in result.stderr and "预算" in result.stderr
    db = sqlite3.connect(loaded / "var" / "matcher.db")
    assert db.execute("SELECT count(*) FROM scenarios").fetchone()[0] == 2


def test_match_json_both_directions(loaded):
    db = sqlite3.connect(loaded / "var" / "matcher.db")
    sid = db.execute("SELECT id FROM scenarios WHERE title LIKE 'Battery%'").fetchone()[0]
    doc = json.loads(run(loaded, "match", "--scenario", sid, "--json").stdout)
    assert doc["similar_cases"] == []          # no case library yet
    out = doc["suggestions"]
    top = db.execute("SELECT title FROM offerings WHERE id=?", (out[0]["offering_id"],)).fetchone()[0]
    assert top == "Graphene thermal film" and out[0]["reasons"]
    checklist = [{"indicator": "电池包温度降低≥8 °C", "status": "met",
                  "evidence": "pack temperature reduced by 12 °C"},
                 {"indicator": "厚度≤0.1 mm", "status": "unknown", "evidence": None}]
    assert out[0]["indicators"] == checklist                           # in the scenario's order
    oid = out[0]["offering_id"]
    back = json.loads(run(loaded, "match", "--offering", oid, "--json").stdout)["suggestions"]
    assert back[0]["scenario_id"] == sid and back[0]["indicators"] == checklist
    text = run(loaded, "match", "--text", "车身减重", "--side", "demand", "--lang", "zh")
    assert text.returncode == 0 and "碳纤维车身部件" in text.stdout and "文本相关度" in text.stdout
    assert run(loaded, "match", "--scenario", "nope").returncode == 1


def test_export_neutralises_formulas_and_backup(loaded):
    assert run(loaded, "export", "offerings", "out.csv").returncode == 0
    titles = [r["title"] for r in csv.DictReader(open(loaded / "out.csv", encoding="utf-8-sig"))]
    assert "'=HYPERLINK(\"http://x\")" in titles
    assert run(loaded, "export", "pairings", "p.xlsx", "--headers", "zh").returncode == 0
    assert run(loaded, "backup", "b.db").returncode == 0
    assert sqlite3.connect(loaded / "b.db").execute("SELECT count(*) FROM offerings").fetchone()[0] == 3


def test_evaluate_prints_exactly_one_json_object(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "offerings.csv").write_text("id,title,description,organization\nO1,碳纤维车身,减重,a\n"
                                          "O2,电池回收,回收,b\nO3,光伏清洗机器人,清洗,c\n", encoding="utf-8")
    (folder / "scenarios.csv").write_text("id,title,description,organization\nS1,车身减重,需要减重,d\n",
                                          encoding="utf-8")
    (folder / "qrels.csv").write_text("scenario_id,offering_id,relevance\nS1,O1,3\nS1,O2,0\n", encoding="utf-8")
    result = run(tmp_path, "evaluate", str(folder), "--json")
    report = json.loads(result.stdout)
    assert report["n_queries"] == 1
    assert set(report["modes"]) == {"bm25", "dense", "hybrid"}
    assert report["modes"]["bm25"]["ndcg@10"] == 1.0
    assert not (tmp_path / "var" / "matcher.db").exists()        # the user's database is never touched


CASES_CSV = """案例标题,问题,解决方案,供给方,成效
电池包散热改造,Battery pack overheats in summer; need better heat dissipation,Graphene thermal film on every module,Beta Ltd,Cell temperature spread ≤ 3 °C = 2.4 °C = yes
"""


def test_organisations_and_cases_import_export_and_similar_cases(loaded):
    good = "91320413MAUHUXQEEA"
    (loaded / "orgs.csv").write_text("企业名称,统一社会信用代码,认定类型,级别,认定年份\n"
                                     f"Beta Ltd,{good},单项冠军,国家级,2024\n", encoding="utf-8")
    (loaded / "bad_orgs.csv").write_text("企业名称,统一社会信用代码,认定类型,级别,认定年份\n"
                                         f"Gamma Ltd,{good[:-1]}B,瞪羚,,2024\n", encoding="utf-8")
    bad = run(loaded, "import", "organisations", "bad_orgs.csv")
    assert bad.returncode == 1 and "row 2" in bad.stderr and "check character" in bad.stderr and "级别" in bad.stderr
    assert run(loaded, "import", "organisations", "orgs.csv").returncode == 0
    (loaded / "cases.csv").write_text(CASES_CSV, encoding="utf-8")
    (loaded / "bad_cases.csv").write_text("title,problem,solution,supplier,results\nx,p,s,Beta Ltd,\n", encoding="utf-8")
    bad = run(loaded, "import", "cases", "bad_cases.csv")
    assert bad.returncode == 1 and "results" in bad.stderr and "成效" in bad.stderr
    assert run(loaded, "import", "cases", "cases.csv").returncode == 0
    db = sqlite3.connect(loaded / "var" / "matcher.db")
    sid = db.execute("SELECT id FROM scenarios WHERE title LIKE 'Battery%'").fetchone()[0]
    doc = json.loads(run(loaded, "match", "--scenario", sid, "--json").stdout)
    [case_id] = [r[0] for r in db.execute("SELECT id FROM cases")]
    assert doc["similar_cases"][0]["id"] == case_id and 0 < doc["similar_cases"][0]["score"] <= 1
    top = doc["suggestions"][0]
    assert {r["code"] for r in top["reasons"]} >= {"tag", "case"} and top["channels"]["lift"] <= 0.15
    only = json.loads(run(loaded, "match", "--scenario", sid, "--json", "--tag", "single_champion").stdout)
    assert {s["offering_id"] for s in only["suggestions"]} == {top["offering_id"]}
    assert run(loaded, "export", "organisations", "o.xlsx", "--headers", "zh").returncode == 0
    assert run(loaded, "export", "cases", "c.csv").returncode == 0
    rows = list(csv.DictReader(open(loaded / "c.csv", encoding="utf-8-sig")))
    assert rows[0]["results"] == "Cell temperature spread ≤ 3 °C = 2.4 °C = yes"


CAMPAIGNS_CSV = """活动名称,园区/镇,所在区县,行业,企业数量,诊断需求,开始日期,结束日期
武进高新区智能制造诊断,武进国家高新区,武进区,robotics_equipment; 工业互联网,20,产线诊断和设备联网,2026-10-01,2026-12-31
"""


def test_campaigns_import_all_or_nothing_and_export_round_trip(tmp_path):
    bad = CAMPAIGNS_CSV + "春季诊断,薛埠镇,金坛区,纺织,0,能效诊断,2026-05-01,2026-04-01\n"
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    out = run(tmp_path, "import", "campaigns", "bad.csv")
    assert out.returncode == 1 and "row 3" in out.stderr
    assert "end_date" in out.stderr and "早于开始日期" in out.stderr and "企业数量必须大于 0" in out.stderr
    assert "unknown industry '纺织'" in out.stderr and "row 2" not in out.stderr
    (tmp_path / "good.csv").write_text(CAMPAIGNS_CSV, encoding="utf-8")
    assert run(tmp_path, "import", "campaigns", "good.csv").returncode == 0
    db = sqlite3.connect(tmp_path / "var" / "matcher.db")
    assert db.execute("SELECT industries, enterprise_count FROM campaigns").fetchall() == [
        ('["robotics_equipment", "industrial_internet"]', 20)]
    assert db.execute("SELECT count(*) FROM audit_log WHERE entity = 'campaign'").fetchone() == (1,)
    assert run(tmp_path, "export", "campaigns", "c.xlsx", "--headers", "zh").returncode == 0
    from matcher.io.campaigns import import_campaigns   # the export reads back in (in-process: one start less)
    from matcher.storage.store import Store

    store = Store(f"sqlite:///{tmp_path / 'var' / 'matcher.db'}")
    import_campaigns(store, tmp_path / "c.xlsx", "c.xlsx", "test")
    store.engine.dispose()
    assert db.execute("SELECT count(*), min(start_date), max(end_date) FROM campaigns").fetchone() == (
        2, "2026-10-01", "2026-12-31")
