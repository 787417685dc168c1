"""Organisation profiles, tag verification, and the link from every listing to its organisation, audited."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from matcher.domain.organisations import OrganisationIn, TagStatus, normalise_name, validate_organisation
from matcher.domain.records import FieldError, RecordValidationError, Side
from matcher.storage.schema import Meta, OrganisationRow, OrganisationTagRow, RecordOrganisation, utcnow
from matcher.storage.store import ROW_FOR_SIDE, Store, chunked, row_to_dict
from matcher.workflow.review import ReviewError

TAG_SIGNAL_KEY = "ranking_tag_signal"   # meta row: "off" when officials switched the tag signal off


def _conflict(field: str, en: str, zh: str) -> RecordValidationError:
    return RecordValidationError([FieldError(field, en, zh)])


def _find(s, org: OrganisationIn) -> tuple[OrganisationRow | None, OrganisationRow | None]:
    by_code = s.scalar(select(OrganisationRow).where(OrganisationRow.credit_code == org.credit_code)) \
        if org.credit_code else None
    by_name = s.scalar(select(OrganisationRow).where(OrganisationRow.name_key == normalise_name(org.name)))
    return by_code, by_name


def _apply(store: Store, s, row: OrganisationRow, org: OrganisationIn, actor: str, tag_status: TagStatus,
           note: str | None = None) -> None:
    """Copy the profile's fields onto row and reconcile its tags: a changed or new tag needs checking again."""
    row.name, row.name_key = org.name, normalise_name(org.name)
    for key in ("credit_code", "district", "industry"):
        if (value := getattr(org, key)) is not None or key != "credit_code":
            setattr(row, key, value)
    row.size = str(org.size) if org.size else None
    s.flush()
    existing = {t.tag: t for t in s.scalars(select(OrganisationTagRow)
                                            .where(OrganisationTagRow.organisation_id == row.id))}
    wanted = {str(t.tag): t for t in org.tags}
    before_verified = {k for k, t in existing.items() if t.status == TagStatus.VERIFIED}
    for kind, tag in existing.items():
        if kind not in wanted:
            s.delete(tag)
            store.audit(s, actor, "organisation_tag", str(tag.id), "remove", from_status=tag.status, note=kind)
    for kind, tag in wanted.items():
        old = existing.get(kind)
        if old is not None and (old.level, old.year) == (str(tag.level), tag.year) and \
                (tag_status == TagStatus.PENDING or old.status == TagStatus.VERIFIED):
            continue  # unchanged: keeps its verification
        verified = tag_status == TagStatus.VERIFIED
        if old is None:
            old = OrganisationTagRow(organisation_id=row.id, tag=kind)
            s.add(old)
        before = old.status
        old.level, old.year, old.status = str(tag.level), tag.year, str(tag_status)
        old.verified_by, old.verified_at = (actor, utcnow()) if verified else (None, None)
        s.flush()
        store.audit(s, actor, "organisation_tag", str(old.id), "claim" if not verified else "verify",
                    from_status=before, to_status=str(tag_status),
                    note=f"{kind} {tag.level} {tag.year}" + (f"; {note}" if note else ""))
        if verified or kind in before_verified:
            before_verified.add(kind)    # a verified tag was added, changed or lost its verification
    if before_verified:
        _touch_organisation(store, s, row.id)


def _touch_organisation(store: Store, s, org_id: int) -> None:
    """The organisation's verified tags changed: what ranking reads of its listings must be re-read (lifts)."""
    s.flush()
    by_side: dict[str, list[str]] = {}
    for side, rid in s.execute(select(RecordOrganisation.side, RecordOrganisation.record_id)
                               .where(RecordOrganisation.organisation_id == org_id)):
        by_side.setdefault(side, []).append(rid)
    for side, ids in by_side.items():
        store.touched(s, Side(side), ids)


def save_profile(store: Store, owner_id: int, data: dict[str, Any], actor: str) -> int:
    """Create or update the one profile of an enterprise account; raises RecordValidationError, saving nothing.

    An organisation already known without an owner (from free-text listings or the cultivation list) is
    claimed by the account whose profile names it; one that another account owns is refused."""
    org = validate_organisation(data)
    with store.write() as s:
        mine = s.scalar(select(OrganisationRow).where(OrganisationRow.owner_id == owner_id))
        by_code, by_name = _find(s, org)
        for other, field in ((by_code, "credit_code"), (by_name, "name")):
            if other is not None and other is not mine and (other.owner_id is not None or mine is not None):
                raise _conflict(field, f"{field} is already registered to another organisation profile",
                                f"{'统一社会信用代码' if field == 'credit_code' else '单位名称'}已被其他单位档案使用")
        if by_code is not None and by_name is not None and by_code is not by_name and mine is None:
            raise _conflict("credit_code", "credit_code belongs to a differently named organisation",
                            "统一社会信用代码属于另一名称的单位")
        row = mine or by_code or by_name
        action = "update" if mine else ("claim" if row else "create")
        if row is None:
            row = OrganisationRow(name=org.name, name_key=normalise_name(org.name))
            s.add(row)
        row.owner_id = owner_id
        _apply(store, s, row, org, actor, TagStatus.PENDING)
        store.audit(s, actor, "organisation", str(row.id), action, note=org.name)
        org_id = row.id
        _link_owned(store, s, owner_id, org_id)
    return org_id


def _link_owned(store: Store, s, owner_id: int, org_id: int) -> None:
    """Every listing of the account belongs to its profile."""
    for side in Side:
        row_cls = ROW_FOR_SIDE[side]
        moved = []
        for rid in s.scalars(select(row_cls.id).where(row_cls.owner_id == owner_id)):
            link = s.get(RecordOrganisation, (side.value, rid))
            if link is None:
                s.add(RecordOrganisation(side=side.value, record_id=rid, organisation_id=org_id))
                moved.append(rid)
            elif link.organisation_id != org_id:
                link.organisation_id = org_id
                moved.append(rid)
        store.touched(s, side, moved)


def decide_tag(store: Store, tag_id: int, verify: bool, actor: str, note: str | None = None) -> None:
    """An official verifies or rejects a claimed tag (a rejection needs a note saying why)."""
    if not verify and not (note or "").strip():
        raise ReviewError("A rejected tag needs a note saying why", "驳回标签需要填写原因")
    with store.write() as s:
        tag = s.get(OrganisationTagRow, tag_id)
        if tag is None:
            raise ReviewError(f"Tag {tag_id} does not exist", f"标签 {tag_id} 不存在")
        before, tag.status = tag.status, str(TagStatus.VERIFIED if verify else TagStatus.REJECTED)
        tag.verified_by, tag.verified_at = actor, utcnow()
        store.audit(s, actor, "organisation_tag", str(tag_id), "verify" if verify else "reject",
                    from_status=before, to_status=tag.status, note=note)
        if TagStatus.VERIFIED in (before, tag.status):
            _touch_organisation(store, s, tag.organisation_id)


def organisation(store: Store, org_id: int) -> dict | None:
    with store.read() as s:
        row = s.get(OrganisationRow, org_id)
        if row is None:
            return None
        tags = s.scalars(select(OrganisationTagRow).where(OrganisationTagRow.organisation_id == org_id)
                         .order_by(OrganisationTagRow.tag))
        return {**row_to_dict(row), "tags": [row_to_dict(t) for t in tags]}


def profile_of(store: Store, owner_id: int) -> dict | None:
    with store.read() as s:
        org_id = s.scalar(select(OrganisationRow.id).where(OrganisationRow.owner_id == owner_id))
    return organisation(store, org_id) if org_id else None


def list_tags(store: Store, status: str | None = None) -> list[dict]:
    """Tags with their organisation's name, oldest claim first."""
    stmt = select(OrganisationTagRow, OrganisationRow).join(
        OrganisationRow, OrganisationRow.id == OrganisationTagRow.organisation_id).order_by(OrganisationTagRow.id)
    if status:
        stmt = stmt.where(OrganisationTagRow.status == status)
    with store.read() as s:
        return [{**row_to_dict(t), "organisation": o.name, "credit_code": o.credit_code}
                for t, o in s.execute(stmt)]


TARGETED_LINK_MAX = 500   # records linked by their own names (a submit); more: one pass over all organisations


def link_records(store: Store, side: Side | None = None, record_ids: list[str] | None = None,
                 actor: str = "migration") -> int:
    """Link listings that have no organisation yet: the owner's profile, else the organisation of the same
    (normalised) name, else a new organisation made from the free-text name. Returns how many were linked."""
    if not _unlinked(store, side, record_ids):
        return 0  # the common case at every start: no write transaction, no lock taken
    linked = 0
    with store.write() as s:
        # A submit links its few records by their own names; a migration or an import reads every organisation.
        targeted = record_ids is not None and len(record_ids) <= TARGETED_LINK_MAX
        known: dict[str, int] = {}
        if not targeted:
            known.update(s.execute(select(OrganisationRow.name_key, OrganisationRow.id)).all())
        owners = dict(s.execute(select(OrganisationRow.owner_id, OrganisationRow.id)
                                .where(OrganisationRow.owner_id.is_not(None))).all())
        for sd in ([side] if side else list(Side)):
            row_cls = ROW_FOR_SIDE[sd]
            done_q = select(RecordOrganisation.record_id).where(RecordOrganisation.side == sd.value)
            stmt = select(row_cls.id, row_cls.organization, row_cls.owner_id)
            if record_ids is not None:
                stmt = stmt.where(row_cls.id.in_(record_ids))
            if targeted:
                done_q = done_q.where(RecordOrganisation.record_id.in_(record_ids))
            done = set(s.scalars(done_q))
            rows = s.execute(stmt).all()
            if targeted:
                keys = {normalise_name(name or "") for _rid, name, _owner in rows} - known.keys() - {""}
                known.update(s.execute(select(OrganisationRow.name_key, OrganisationRow.id)
                                       .where(OrganisationRow.name_key.in_(keys))).all() if keys else [])
            new_links: list[str] = []
            for rid, name, owner in rows:
                if rid in done:
                    continue
                org_id = owners.get(owner) if owner is not None else None
                key = normalise_name(name or "")
                if org_id is None and key:
                    org_id = known.get(key)
                    if org_id is None:
                        row = OrganisationRow(name=name.strip(), name_key=key)
                        s.add(row)
                        s.flush()
                        org_id = known[key] = row.id
                        store.audit(s, actor, "organisation", str(org_id), "create",
                                    note=f"from the free-text organisation of {rid}")
                if org_id is not None:
                    s.add(RecordOrganisation(side=sd.value, record_id=rid, organisation_id=org_id))
                    new_links.append(rid)
                    linked += 1
            store.touched(s, sd, new_links)
    return linked


def _unlinked(store: Store, side: Side | None, record_ids: list[str] | None) -> bool:
    with store.read() as s:
        for sd in ([side] if side else list(Side)):
            row_cls = ROW_FOR_SIDE[sd]
            stmt = select(row_cls.id).outerjoin(RecordOrganisation, (RecordOrganisation.side == sd.value) & (
                RecordOrganisation.record_id == row_cls.id)).where(RecordOrganisation.record_id.is_(None)).limit(1)
            if record_ids is not None:
                stmt = stmt.where(row_cls.id.in_(record_ids))
            if s.scalar(stmt) is not None:
                return True
    return False


def organisation_of(store: Store, side: Side, record_id: str) -> dict | None:
    with store.read() as s:
        link = s.get(RecordOrganisation, (side.value, record_id))
    return organisation(store, link.organisation_id) if link else None


def verified_tags_by_record(store: Store, side: Side) -> dict[str, list[tuple[str, str, int]]]:
    """Record id -> the verified (tag, level, year) of its organisation; only verified tags count."""
    stmt = (select(RecordOrganisation.record_id, OrganisationTagRow.tag, OrganisationTagRow.level,
                   OrganisationTagRow.year)
            .join(OrganisationTagRow, OrganisationTagRow.organisation_id == RecordOrganisation.organisation_id)
            .where(RecordOrganisation.side == side.value, OrganisationTagRow.status == TagStatus.VERIFIED))
    out: dict[str, list[tuple[str, str, int]]] = {}
    with store.read() as s:
        for rid, tag, level, year in s.execute(stmt):
            out.setdefault(rid, []).append((tag, level, year))
    return out


def record_links(store: Store, side: Side, record_ids: list[str]) -> dict:
    """record id -> Link(organisation id, its verified (tag, level, year)), for the engine's in-memory facts
    (the same tags verified_tags_by_record reads)."""
    from matcher.search.facts import Link

    out: dict = {}
    with store.read() as s:
        for part in chunked(record_ids, 500):
            orgs = dict(s.execute(select(RecordOrganisation.record_id, RecordOrganisation.organisation_id).where(
                RecordOrganisation.side == side.value, RecordOrganisation.record_id.in_(part))).all())
            tags: dict[int, list[tuple[str, str, int]]] = {}
            for oid, tag, level, year in s.execute(
                    select(OrganisationTagRow.organisation_id, OrganisationTagRow.tag, OrganisationTagRow.level,
                           OrganisationTagRow.year)
                    .where(OrganisationTagRow.organisation_id.in_(set(orgs.values())),
                           OrganisationTagRow.status == TagStatus.VERIFIED).order_by(OrganisationTagRow.id)):
                tags.setdefault(oid, []).append((tag, level, year))
            out.update({rid: Link(oid, tuple(tags.get(oid, ()))) for rid, oid in orgs.items()})
    return out


def tag_signal_on(store: Store) -> bool:
    with store.read() as s:
        row = s.get(Meta, TAG_SIGNAL_KEY)
        return row is None or row.value != "off"


def set_tag_signal(store: Store, on: bool, actor: str, note: str | None = None) -> None:
    """Officials switch the tag ranking signal on or off for everyone (audited)."""
    with store.write() as s:
        row = s.get(Meta, TAG_SIGNAL_KEY)
        before = "off" if row is not None and row.value == "off" else "on"
        if row is None:
            row = Meta(key=TAG_SIGNAL_KEY, value="on")
            s.add(row)
        row.value = "on" if on else "off"
        store.audit(s, actor, "setting", TAG_SIGNAL_KEY, "set", from_status=before, to_status=row.value, note=note)



def records_of_case_suppliers(store: Store, case_ids: list[str]) -> dict[str, list[str]]:
    """case id -> the offering ids of the organisation that supplied it."""
    from matcher.storage.schema import CaseRow

    if not case_ids:
        return {}
    with store.read() as s:
        orgs = dict(s.execute(select(CaseRow.id, CaseRow.supplier_org_id).where(CaseRow.id.in_(case_ids))).all())
        by_org: dict[int, list[str]] = {}
        for rid, oid in s.execute(select(RecordOrganisation.record_id, RecordOrganisation.organisation_id).where(
                RecordOrganisation.side == Side.SUPPLY.value,
                RecordOrganisation.organisation_id.in_([o for o in orgs.values() if o is not None]))):
            by_org.setdefault(oid, []).append(rid)
    return {cid: by_org.get(oid, []) for cid, oid in orgs.items() if oid is not None}


def case_suppliers(store: Store, case_ids: list[str]) -> dict[str, int]:
    """case id -> the id of the organisation that supplied it (cases without a known supplier left out)."""
    from matcher.storage.schema import CaseRow

    if not case_ids:
        return {}
    with store.read() as s:
        return {cid: oid for cid, oid in s.execute(select(CaseRow.id, CaseRow.supplier_org_id)
                                                   .where(CaseRow.id.in_(case_ids))).all() if oid is not None}
