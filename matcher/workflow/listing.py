"""One marketplace listing as every signed-in user may see it: its public summary, its organisation with the
verified tags, and the organisation's other published listings. Contact details are never part of it (they
show only on an approved pairing, matcher/workflow/review.py CONTACT_VISIBLE)."""
from __future__ import annotations

from sqlalchemy import select

from matcher.domain.organisations import TagStatus, normalise_name
from matcher.domain.records import RecordStatus, Side
from matcher.storage.schema import OfferingRow, OrganisationRow, OrganisationTagRow, RecordOrganisation, ScenarioRow
from matcher.storage.store import ROW_FOR_SIDE, Store, row_to_dict

PRIVATE = ("contact_name", "contact_email", "contact_phone", "content_hash", "version")
ID_MAX = 64   # the length of the id columns (schema.py)


def side_of(store: Store, record_id: str) -> Side | None:
    """Which side a record id belongs to (a link may carry only the id); None when neither holds it."""
    if not record_id or len(record_id) > ID_MAX:
        return None
    with store.read() as s:
        for side in (Side.SUPPLY, Side.DEMAND):
            if s.get(ROW_FOR_SIDE[side], record_id) is not None:
                return side
    return None


def _organisation(s, side: Side, record_id: str) -> dict | None:
    link = s.get(RecordOrganisation, (side.value, record_id))
    org = s.get(OrganisationRow, link.organisation_id) if link else None
    if org is None:
        return None
    tags = s.scalars(select(OrganisationTagRow).where(OrganisationTagRow.organisation_id == org.id,
                                                      OrganisationTagRow.status == TagStatus.VERIFIED.value)
                     .order_by(OrganisationTagRow.tag))
    # the public profile: no credit code, no owner account
    return {"id": org.id, "name": org.name, "district": org.district, "industry": org.industry, "size": org.size,
            "tags": [(t.tag, t.level, t.year) for t in tags]}


def public_listing(store: Store, side: Side, record_id: str) -> dict | None:
    """The published record without its contact details, with 'side' and 'organisation' (None when the
    record is unknown or not published)."""
    if not record_id or len(record_id) > ID_MAX:
        return None
    with store.read() as s:
        row = s.get(ROW_FOR_SIDE[side], record_id)
        if row is None or row.status != RecordStatus.PUBLISHED.value:
            return None
        out = {k: v for k, v in row_to_dict(row).items() if k not in PRIVATE}
        out["side"] = side.value
        out["organisation"] = _organisation(s, side, record_id)
    return out


def same_organisation(store: Store, listing: dict, limit: int = 20) -> list[dict]:
    """The other published listings of the listing's organisation (both sides), newest first: by the
    organisation link, or, for records not linked, by the same normalised organisation name."""
    org = listing.get("organisation")
    key = normalise_name(listing.get("organization") or "")
    out: list[dict] = []
    with store.read() as s:
        for side, row in ((Side.SUPPLY, OfferingRow), (Side.DEMAND, ScenarioRow)):
            stmt = select(row.id, row.title, row.organization, row.industry, row.region, row.created_at).where(
                row.status == RecordStatus.PUBLISHED.value)
            if org is not None:
                linked = select(RecordOrganisation.record_id).where(
                    RecordOrganisation.side == side.value, RecordOrganisation.organisation_id == org["id"])
                stmt = stmt.where(row.id.in_(linked))
            elif key:
                stmt = stmt.where(row.organization.is_not(None))
            else:
                continue
            for r in s.execute(stmt.order_by(row.created_at.desc(), row.id)).mappings():
                if org is None and normalise_name(r["organization"] or "") != key:
                    continue
                if (side.value, r["id"]) != (listing["side"], listing["id"]):
                    out.append({**r, "side": side.value})
    out.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return out[:limit]
