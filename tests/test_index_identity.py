"""Indexes are tied to their database: the folder is named by the database's id (stored at init), two
databases never share one, and a folder marked as another database's is rebuilt from the embeddings table."""
import json
import logging

from matcher.config import Settings
from matcher.domain.records import RecordStatus, Side
from matcher.service import Platform
from matcher.storage.store import Store

from conftest import OFFERINGS


def _settings(tmp_path, db: str) -> Settings:
    return Settings(var_dir=tmp_path / "var", db_url=f"sqlite:///{tmp_path / db}", encoder="fake",
                    seed_demo=False, demo_accounts=False)


def test_database_id_is_stored_once_and_kept(tmp_path):
    first = Store(f"sqlite:///{tmp_path / 'a.db'}").database_id
    assert len(first) == 32 and Store(f"sqlite:///{tmp_path / 'a.db'}").database_id == first
    assert Store(f"sqlite:///{tmp_path / 'b.db'}").database_id != first


def test_two_databases_in_one_var_folder_never_share_an_index(tmp_path):
    a, b = Platform.open(_settings(tmp_path, "a.db")), Platform.open(_settings(tmp_path, "b.db"))
    assert a.engine.index_root != b.engine.index_root
    assert a.engine.index_root.parent.name == a.store.database_id
    oid = a.submit(Side.SUPPLY, OFFERINGS[0], "t", status=RecordStatus.PUBLISHED)
    a.engine.flush()
    b.engine.flush()
    b_again = Platform.open(_settings(tmp_path, "b.db"))      # b's saved index never saw a's record
    assert oid not in b_again.engine.sides[Side.SUPPLY].vectors.hashes
    assert oid in Platform.open(_settings(tmp_path, "a.db")).engine.sides[Side.SUPPLY].vectors.hashes


def test_a_folder_of_another_database_is_rebuilt_from_the_embeddings_table(tmp_path, caplog):
    a = Platform.open(_settings(tmp_path, "a.db"))
    ids = [a.submit(Side.SUPPLY, o, "t", status=RecordStatus.PUBLISHED) for o in OFFERINGS]
    a.engine.flush()
    root = a.engine.index_root
    # The folder is taken over by another database (say, a var folder copied between instances).
    marker = json.loads((root / "database.json").read_text("utf-8"))
    (root / "database.json").write_text(json.dumps({**marker, "database_id": "f" * 32}), "utf-8")

    calls = []
    with caplog.at_level(logging.WARNING, logger="matcher.search.engine"):
        fresh = Platform.open(_settings(tmp_path, "a.db"), sync=False)
    assert any("belongs to database " + "f" * 32 in r.getMessage() and "rebuilding" in r.getMessage()
               for r in caplog.records)
    assert len(fresh.engine.sides[Side.SUPPLY].vectors) == 0          # nothing of the other database kept
    real = fresh.engine.encoder.encode
    fresh.engine.encoder.encode = lambda texts, **kw: (calls.append(len(texts)), real(texts, **kw))[1]
    report = {r.side: r for r in fresh.engine.sync()}
    assert report[Side.SUPPLY].added == len(ids) and calls == []      # vectors from the cache, none encoded
    assert set(fresh.engine.sides[Side.SUPPLY].vectors.hashes) == set(ids)
    assert json.loads((root / "database.json").read_text("utf-8"))["database_id"] == a.store.database_id
