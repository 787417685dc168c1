"""The PostgreSQL test server policy: skip on a machine without it, fail in CI; the server is really used."""
import pytest

import pg_cluster


def test_missing_postgres_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("MATCHER_REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception):
        pg_cluster._unavailable("no binaries")
    for name, value in (("CI", "true"), ("MATCHER_REQUIRE_POSTGRES", "1")):
        with monkeypatch.context() as m:
            m.setenv(name, value)
            with pytest.raises(pytest.fail.Exception, match="required"):
                pg_cluster._unavailable("no binaries")


@pytest.mark.backends("postgresql")
def test_postgresql_cases_talk_to_a_real_server_on_a_unix_socket(db_url, pg_cluster):
    from sqlalchemy import text

    from matcher.storage.store import Store

    store = Store(db_url)
    with store.read() as s:
        assert s.execute(text("SHOW listen_addresses")).scalar() == ""     # no TCP port
        assert s.execute(text("SELECT current_database()")).scalar() in db_url
        assert int(s.execute(text("SHOW server_version_num")).scalar()) >= 140000
    store.engine.dispose()
