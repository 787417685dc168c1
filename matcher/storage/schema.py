"""Database tables (SQLAlchemy 2 ORM). The store and the review workflow read and write these."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = 1


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    organization: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # account page (issue 15, item 7; migration 0004_account): the contact details new listings start from,
    # and the flag an admin's password reset sets until the user chooses a new password.
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class _Record:
    """Columns both sides share."""
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    organization: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(64), index=True)
    industry_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str | None] = mapped_column(String(100))
    keywords: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(4), default="en")
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class OfferingRow(_Record, Base):
    __tablename__ = "offerings"
    maturity: Mapped[str | None] = mapped_column(String(20))


class ScenarioRow(_Record, Base):
    __tablename__ = "scenarios"
    budget_wan: Mapped[float | None] = mapped_column(Float)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    indicators: Mapped[str | None] = mapped_column(Text)
    required_maturity: Mapped[str | None] = mapped_column(String(20))


class Embedding(Base):
    """Vectors cached by (model, content hash): unchanged text is never encoded twice."""
    __tablename__ = "embeddings"
    model: Mapped[str] = mapped_column(String(300), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Pairing(Base):
    __tablename__ = "pairings"
    __table_args__ = (UniqueConstraint("scenario_id", "offering_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), index=True)
    offering_id: Mapped[str] = mapped_column(ForeignKey("offerings.id"), index=True)
    score: Mapped[float] = mapped_column(Float, index=True)
    channels: Mapped[dict] = mapped_column(JSON)        # per-channel scores
    matched_terms: Mapped[list] = mapped_column(JSON)
    reasons: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    reviewer: Mapped[str | None] = mapped_column(String(200))
    reason_code: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    interest_supply: Mapped[bool] = mapped_column(Boolean, default=False)
    interest_demand: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)   # optimistic concurrency
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AuditLog(Base):
    """Append-only: rows are inserted, never updated or deleted (a trigger enforces it on SQLite)."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(20))          # pairing, offering, scenario, user
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)


# --- The city's programme (issue 11): organisations and their tags, demonstration projects, case library ---
# New tables only (create_all adds them to existing databases). Listings are linked to organisations through
# record_organisations rather than a new column on offerings/scenarios, so no existing table changes.


class OrganisationRow(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)   # normalise_name(name)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    district: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)  # one profile per account
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class OrganisationTagRow(Base):
    __tablename__ = "organisation_tags"
    __table_args__ = (UniqueConstraint("organisation_id", "tag"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    tag: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)     # pending / verified / rejected
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RecordOrganisation(Base):
    """Which organisation posted a listing (side 'supply' = offerings, 'demand' = scenarios)."""
    __tablename__ = "record_organisations"
    side: Mapped[str] = mapped_column(String(10), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)


class DemonstrationProject(Base):
    """A deployed pairing proposed as a 示范应用场景 project."""
    __tablename__ = "demonstration_projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(Text)                         # the application
    requested_wan: Mapped[float] = mapped_column(Float)
    support_wan: Mapped[float | None] = mapped_column(Float)        # granted at approval
    year: Mapped[int] = mapped_column(Integer, index=True)          # budget year
    status: Mapped[str] = mapped_column(String(20), index=True)
    outcome: Mapped[list | None] = mapped_column(JSON)              # [{indicator, measured, met}]
    outcome_summary: Mapped[str | None] = mapped_column(Text)
    applicant: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Milestone(Base):
    __tablename__ = "demonstration_milestones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("demonstration_projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)


class CaseRow(Base):
    """An application-scenario case in the public library (应用场景案例)."""
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("demonstration_projects.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    supplier: Mapped[str] = mapped_column(String(200))
    supplier_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    adopter: Mapped[str | None] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(100))
    results: Mapped[list] = mapped_column(JSON)                     # [{indicator, measured, met}]
    language: Mapped[str] = mapped_column(String(4))
    contact: Mapped[str | None] = mapped_column(String(300))        # shown only when both parties agreed
    consent_supply: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_demand: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
# --- Change feed (issue 12: replicas that agree) ---------------------------------------------------------
class Change(Base):
    """One row per record written, in the writer's own transaction. Other processes read the rows after the
    last id they applied (woken by NOTIFY on PostgreSQL, by polling max(id) on SQLite) and re-index just those
    records. Writers are serialised (backends.py), so ids become visible in order."""
    __tablename__ = "changes"
    __table_args__ = {"sqlite_autoincrement": True}   # ids never reused, even after old rows are pruned
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(32))    # the writing Store instance (it applied its own change)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
# --- learning from decisions (matcher/workflow/learning.py) ---------------------------------------------

class LearnedWeights(Base):
    """One version of one industry's structured-signal parameters. The newest row of an industry is in force
    unless frozen rows stop further learning; a rollback adds a new version with the earlier parameters."""
    __tablename__ = "learned_weights"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    industry: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict] = mapped_column(JSON)            # industry, region, maturity weights, maturity_step
    before: Mapped[dict] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(20))       # learn | rollback
    decision_ids: Mapped[list] = mapped_column(JSON)      # the pairings whose decisions it learned from
    evidence: Mapped[dict] = mapped_column(JSON)          # per signal: counts, effect, p-value
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("industry", "version"),)


# --- Imports that never half-finish (issue 14, branch security) ------------------------------------------

class PairingBacklog(Base):
    """Records whose suggested pairings must still be (re)computed. Written in the same transaction as the
    record change and deleted once its pairings are saved, so a crash in between is repaired at the next
    start (Platform.open), like the indexes."""
    __tablename__ = "pairing_backlog"
    side: Mapped[str] = mapped_column(String(10), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class ImportedFile(Base):
    """One row per committed import, by content hash: a retry of the same file is recognised and refused."""
    __tablename__ = "imported_files"
    __table_args__ = (UniqueConstraint("side", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
# --- Sessions and notifications (issue 9) -----------------------------------------------------------------

class AuthSession(Base):
    """A signed-in browser: the token's SHA-256 (never the token), its expiry, idle clock and revocation."""
    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_why: Mapped[str | None] = mapped_column(String(30))


class Notification(Base):
    """One inbox entry of one account: an event code and its parameters (rendered in the reader's language)."""
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class OutboxMail(Base):
    """An e-mail waiting to be sent: written with the state change, deleted never; retried until sent."""
    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    to_addr: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))


class NotificationOptOut(Base):
    """An account's 'no e-mail for this event type' choice (the inbox entry is still written)."""
    __tablename__ = "notification_opt_outs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    event: Mapped[str] = mapped_column(String(40), primary_key=True)


# --- Diagnosis campaigns (issue 11 item 2, branch campaigns: matcher/workflow/campaigns.py) ----------------
# New tables only. A service offer is an offering (it shares the supply index and the ranking) marked here
# with who provides it; parks' campaigns, providers' answers and assignments, and the enterprises diagnosed.


class ServiceOffer(Base):
    """An offering that is a diagnostic or transformation service of a provider (院校 / 服务商)."""
    __tablename__ = "service_offers"
    offering_id: Mapped[str] = mapped_column(ForeignKey("offerings.id"), primary_key=True)
    provider_kind: Mapped[str] = mapped_column(String(20))      # university / service_firm
    service_kind: Mapped[str] = mapped_column(String(20))       # diagnosis / transformation
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CampaignRow(Base):
    """A park's or town's 智能制造诊断 campaign, entered by an official on its behalf."""
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    park: Mapped[str] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(100))
    industries: Mapped[list] = mapped_column(JSON)              # taxonomy codes
    enterprise_count: Mapped[int] = mapped_column(Integer)
    needs: Mapped[str] = mapped_column(Text)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class CampaignProvider(Base):
    """A service offer on a campaign: the provider applied (with a message) and/or an official assigned it."""
    __tablename__ = "campaign_providers"
    __table_args__ = (UniqueConstraint("campaign_id", "offering_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    offering_id: Mapped[str] = mapped_column(ForeignKey("offerings.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))             # applied / assigned / unassigned
    message: Mapped[str | None] = mapped_column(Text)           # the provider's answer
    applied_by: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)          # the engine's score when assigned
    updated_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class CampaignDiagnosis(Base):
    """One enterprise diagnosed in a campaign, its findings, and the scenario listing made from them."""
    __tablename__ = "campaign_diagnoses"
    __table_args__ = (UniqueConstraint("campaign_id", "name_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    enterprise: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))          # normalise_name(enterprise)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    offering_id: Mapped[str | None] = mapped_column(ForeignKey("offerings.id"))   # the provider who diagnosed
    diagnosed_on: Mapped[dt.date] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text)
    scenario_id: Mapped[str | None] = mapped_column(ForeignKey("scenarios.id"), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# --- Listing lifecycle and calls (issue 15, branch lifecycle: matcher/workflow/lifecycle.py, calls.py) --------
# New tables only: a listing's validity and reminder state, and a scenario's call, live beside the record rows
# (as record_organisations does), so no existing table changes.

class ListingTerm(Base):
    """How long a listing stays published, and which expiry date its owner was last reminded of.
    No row: an offering (or undated scenario) runs offering_valid_days from its creation."""
    __tablename__ = "listing_terms"
    side: Mapped[str] = mapped_column(String(10), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)       # last listed day (scenarios: the deadline)
    reminded_for: Mapped[dt.date | None] = mapped_column(Date)      # once per expiry date


class CallRow(Base):
    """A call for scenarios (征集批次): open between two dates for some industries (none = all)."""
    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title_zh: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    industries: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)     # draft / open / closed
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class CallScenario(Base):
    """Which call a scenario was submitted to (at most one)."""
    __tablename__ = "call_scenarios"
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)


# --- Background imports (issue 14, branch imports) ---------------------------------------------------------

class ImportJob(Base):
    """One web import run by a worker thread of the app (matcher/io/import_jobs.py): its state, progress, and
    outcome, in the database so that a reload, another replica or a restart shows it. state: queued ->
    running -> done | failed | interrupted (its process died). committed is written in the records'
    own transaction, so a job that dies after it still says how many records were saved."""
    __tablename__ = "import_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    target_status: Mapped[str] = mapped_column(String(20))       # published | pending
    actor: Mapped[str] = mapped_column(String(200), index=True)
    runner: Mapped[str] = mapped_column(String(200))              # host:pid:token of the process running it
    state: Mapped[str] = mapped_column(String(20), index=True)
    stage: Mapped[str] = mapped_column(String(20))                # parse | save | index | match | done
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    rows: Mapped[int | None] = mapped_column(Integer)              # records in the file, once parsed
    committed: Mapped[int] = mapped_column(Integer, default=0)     # records saved (0 or rows: all or nothing)
    errors: Mapped[list] = mapped_column(JSON, default=list)       # [{row, field, en, zh}], at most 500 kept
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    deferred: Mapped[str | None] = mapped_column(String(500))      # why indexing/matching stopped after commit
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
