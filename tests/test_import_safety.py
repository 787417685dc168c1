"""Imports that never half-finish: a commit stays a commit, pairings are completed after a crash, and a retry
of the same file is refused instead of doubling the rows."""
import pytest
from sqlalchemy import func, select

from matcher.config import Settings
from matcher.domain.records import RecordValidationError, Side
from matcher.service import Platform
from matcher.storage.schema import Pairing
from tests.conftest import OFFERINGS, SCENARIOS

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def _csv(rows):
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=sorted({k for r in rows for k in r}))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _pairs(platform):
    """Pairings by titles (ids are generated per database)."""
    title = {r["id"]: r["title"] for side in Side for r in platform.store.list_records(side)}
    with platform.store.read() as s:
        return sorted((title[p.scenario_id], title[p.offering_id]) for p in s.scalars(select(Pairing)))


SCEN = _csv([{**s, "title": f"{s['title']} {n}"} for n in range(6) for s in SCENARIOS])
OFFS = _csv([{**o, "title": f"{o['title']} {n}"} for n in range(4) for o in OFFERINGS])


def _settings(tmp_path, name, db_url=""):
    return Settings(var_dir=tmp_path / name, db_url=db_url, encoder="fake", seed_demo=False, min_pair_score=0.05)


def test_a_failure_after_the_commit_is_reported_and_the_pairings_are_completed_at_the_next_start(
        tmp_path, monkeypatch, make_db_url):
    full = Platform.open(_settings(tmp_path, "full", make_db_url()))
    full.import_file(Side.DEMAND, SCEN, "s.csv", "test")
    full.import_file(Side.SUPPLY, OFFS, "o.csv", "test")
    expected = _pairs(full)
    assert expected

    s = _settings(tmp_path, "crash", make_db_url())
    first = Platform.open(s)
    first.import_file(Side.DEMAND, SCEN, "s.csv", "test")
    calls = {"n": 0}
    real = Platform.refresh_pairings

    def disk_full_midway(self, side, ids, progress=lambda *_: None):
        real(self, side, ids[:3], progress)  # some pairings saved, then the disk fills up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Platform, "refresh_pairings", disk_full_midway)
    ids = first.import_file(Side.SUPPLY, OFFS, "o.csv", "test")
    assert len(ids) == 8 and "No space left" in ids.deferred  # reported as a commit, not raised
    assert first.store.count(Side.SUPPLY) == 8
    assert len(_pairs(first)) < len(expected)
    monkeypatch.setattr(Platform, "refresh_pairings", real)
    again = Platform.open(s)  # the next start
    assert _pairs(again) == expected
    assert again.store.backlog(Side.SUPPLY) == [] and again.repair_pairings() == 0


def test_a_retry_of_the_same_file_is_refused_and_nothing_doubles(tmp_path, db_url):
    platform = Platform.open(_settings(tmp_path, "retry", db_url))
    platform.import_file(Side.SUPPLY, OFFS, "offerings.csv", "official@x.example")
    with pytest.raises(RecordValidationError) as err:
        platform.import_file(Side.SUPPLY, OFFS, "offerings (1).csv", "official@x.example")
    [problem] = err.value.errors
    assert problem.field == "file" and "already imported" in problem.en and "已导入过" in problem.zh
    assert "offerings.csv" in problem.en
    assert platform.store.count(Side.SUPPLY) == 8
    platform.import_file(Side.DEMAND, OFFS.replace(b"Carbon Co", b"Carbon Ltd"), "s.csv", "x")  # other content
    with platform.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Pairing)) >= 0


def test_the_cli_reports_a_commit_as_a_commit(settings, monkeypatch, tmp_path, capsys):
    from matcher.cli import main

    path = tmp_path / "o.csv"
    path.write_bytes(OFFS)

    def disk_full(self, side, ids, progress=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Platform, "_after_change", disk_full)
    assert main(["import", "offerings", str(path)]) == 0
    out = capsys.readouterr()
    assert "imported 8 offerings (committed)" in out.out and "No space left" in out.err
    assert "Traceback" not in out.err
    assert main(["import", "offerings", str(path)]) == 1  # the retry is refused
    assert "already imported" in capsys.readouterr().err
