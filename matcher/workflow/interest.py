"""'Express interest' from a marketplace listing: the viewer's own record on the other side and the listing
become a pairing (found, or created for the officials to review), the viewer's side is marked interested,
the optional message goes into the pairing's history (audit log: who, when, why), and the other side's owner
and the officials are notified, all in one transaction.

Only enterprises express interest; never on a listing of their own organisation; only with one of their own
published records on the other side (an offering answers a scenario, a scenario asks an offering)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from matcher.domain.records import PairingStatus as P
from matcher.domain.records import RecordStatus, Role, Side
from matcher.search.ranking import Filters, Suggestion, same_organisation
from matcher.storage.schema import OrganisationRow, Pairing
from matcher.storage.store import ROW_FOR_SIDE, Store
from matcher.workflow import notifications
from matcher.workflow.review import ReviewError

MESSAGE_MAX = 1000
OTHER = {Side.SUPPLY: Side.DEMAND, Side.DEMAND: Side.SUPPLY}


class InterestError(ReviewError):
    """Why interest cannot be expressed (key: not_enterprise, own_listing, no_records, none_published,
    not_yours, unavailable, message_too_long)."""


@dataclass(frozen=True)
class Options:
    """What the viewer may do on a listing: refused (a key saying why) or choose among own records."""
    refused: str | None
    records: list[dict]          # the viewer's published records on the other side: id, title
    pending: int = 0             # records on the other side still waiting for moderation


@dataclass(frozen=True)
class Expressed:
    pairing_id: int
    created: bool                # a new pairing (the engine had not suggested this pair)
    status: str


def _own_org_id(s, account) -> int | None:
    return s.scalar(select(OrganisationRow.id).where(OrganisationRow.owner_id == account.id))


def is_own(store: Store, account, listing: dict) -> bool:
    """The listing belongs to the viewer's organisation: posted by the account, linked to its organisation
    profile, or carrying the account's organisation name."""
    if listing.get("owner_id") is not None and listing["owner_id"] == account.id:
        return True
    org = listing.get("organisation")
    with store.read() as s:
        mine = _own_org_id(s, account)
    if org is not None and mine is not None and org["id"] == mine:
        return True
    return same_organisation({"organization": account.organization}, {"organization": listing.get("organization")})


def options(store: Store, account, listing: dict) -> Options:
    if account.role != Role.ENTERPRISE:
        return Options("not_enterprise", [])
    if is_own(store, account, listing):
        return Options("own_listing", [])
    mine = store.list_records(OTHER[Side(listing["side"])], owner_id=account.id)
    published = [{"id": r["id"], "title": r["title"]} for r in mine if r["status"] == RecordStatus.PUBLISHED]
    pending = sum(1 for r in mine if r["status"] == RecordStatus.PENDING)
    if not published:
        return Options("none_published" if pending else "no_records", [], pending)
    return Options(None, published, pending)


def _refuse(key: str) -> InterestError:
    en, zh = {
        "not_enterprise": ("Only enterprises can express interest", "只有企业可以表达对接意向"),
        "own_listing": ("This listing belongs to your own organisation", "这是本单位发布的信息，不能对其表达意向"),
        "no_records": ("Submit a record on the other side first", "请先提交一条对应的供给或需求"),
        "none_published": ("Your record on the other side is still waiting for moderation",
                           "您的对应记录仍在审核中"),
        "not_yours": ("Choose one of your own published records", "请选择本单位已发布的记录"),
        "unavailable": ("This listing is no longer published", "该信息已不再发布"),
        "message_too_long": (f"The message is longer than {MESSAGE_MAX} characters",
                             f"留言超过 {MESSAGE_MAX} 个字符"),
    }[key]
    return InterestError(en, zh, key)


def express(platform, account, listing: dict, own_id: str, message: str = "") -> Expressed:
    """Express the account's interest in listing with its own record own_id (raises InterestError, nothing
    saved). The pair is scored by the engine when it nominates the listing for the record; otherwise the
    pairing starts at score 0 and its history says it came from the marketplace."""
    store: Store = platform.store
    message = " ".join((message or "").split())
    if len(message) > MESSAGE_MAX:
        raise _refuse("message_too_long")
    found = options(store, account, listing)
    if found.refused:
        raise _refuse(found.refused)
    if own_id not in {r["id"] for r in found.records}:
        raise _refuse("not_yours")
    listing_side, own_side = Side(listing["side"]), OTHER[Side(listing["side"])]
    scored = platform.suggestions(own_side, own_id, k=1, filters=Filters(only_ids=frozenset({listing["id"]})))
    suggestion: Suggestion | None = scored[0] if scored else None
    scenario_id, offering_id = (listing["id"], own_id) if listing_side == Side.DEMAND else (own_id, listing["id"])
    interested = "supply" if own_side == Side.SUPPLY else "demand"

    def work(s) -> Expressed:   # run again from the start after a transient error (Store.retrying)
        current = s.get(ROW_FOR_SIDE[listing_side], listing["id"])
        if current is None or current.status != RecordStatus.PUBLISHED.value:
            raise _refuse("unavailable")
        pairing = s.scalar(select(Pairing).where(Pairing.scenario_id == scenario_id,
                                                 Pairing.offering_id == offering_id))
        created = pairing is None
        if created:
            pairing = Pairing(scenario_id=scenario_id, offering_id=offering_id, status=P.SUGGESTED,
                              score=suggestion.score if suggestion else 0.0,
                              channels=suggestion.channels if suggestion else {},
                              matched_terms=suggestion.matched_terms if suggestion else [],
                              reasons=[r.__dict__ for r in suggestion.reasons] if suggestion else [])
            s.add(pairing)
            s.flush()
            store.audit(s, account.email, "pairing", str(pairing.id), "marketplace_create", to_status=P.SUGGESTED,
                        note=f"score {pairing.score:.3f}" if suggestion else None)
        setattr(pairing, f"interest_{interested}", True)
        store.audit(s, account.email, "pairing", str(pairing.id), f"interest_{interested}",
                    note=message or None)
        scen, off = notifications.pairing_parties(s, pairing)
        mine, other = (off, scen) if interested == "supply" else (scen, off)
        notifications.notify(s, [other["owner"]], "interest_received",
                             {"pairing": pairing.id, "page": "my-submissions", "title": other["title"],
                              "other": mine["title"]})
        notifications.notify(s, notifications.officials(s), "interest_message",
                             {"pairing": pairing.id, "page": "review", "title": scen["title"], "other": off["title"],
                              "organization": account.organization, "message": message or "—"})
        return Expressed(pairing.id, created, pairing.status)

    return store.retrying(work)
