"""Page (officials): verify claimed tags, switch the tag ranking signal, browse, import and export organisations."""
import streamlit as st
from sqlalchemy import select

from matcher.domain.organisations import TagKind, tag_label
from matcher.domain.records import RecordValidationError
from matcher.io.imports import UploadError, check_upload, export_bytes
from matcher.io.organisations import HEADERS_ZH, export_organisations, import_organisations
from matcher.storage.schema import OrganisationRow
from matcher.workflow import organisations as orgs
from matcher.workflow.review import ReviewError
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import industry_label, lang, t
from ui.widgets import flash, status_table

KEY = "orgs"


def _verify(platform, account) -> None:
    st.subheader(t("tags_pending"))
    pending = orgs.list_tags(platform.store, "pending")
    if not pending:
        st.info(t("tags_none_pending"))
        return
    rows = [{"id": p["id"], "organisation": p["organisation"], "credit_code": p["credit_code"],
             "tag": tag_label(p["tag"], p["level"], p["year"], lang())} for p in pending]
    st.dataframe(status_table(rows, {"id": "col_id", "organisation": "col_org", "credit_code": "col_credit_code",
                                     "tag": "col_tag"}), hide_index=True, key=f"{KEY}_pending_table")
    by_id = {r["id"]: r for r in rows}
    picked = st.selectbox(t("tag_pick"), list(by_id), key=f"{KEY}_pick",
                          format_func=lambda i: f"{by_id[i]['organisation']} · {by_id[i]['tag']}")
    note = st.text_input(t("note"), key=f"{KEY}_note", max_chars=500)
    left, right = st.columns(2)
    for col, verify, label in ((left, True, "tag_verify"), (right, False, "tag_reject")):
        if col.button(t(label), key=f"{KEY}_{label}", type="primary" if verify else "secondary"):
            try:
                orgs.decide_tag(platform.store, picked, verify, account.email, note or None)
            except ReviewError as exc:
                st.error(exc.message(lang()))
                return
            st.session_state[f"{KEY}_flash"] = t("tag_done", id=picked)
            st.rerun()


def _signal(platform, account) -> None:
    on = orgs.tag_signal_on(platform.store)
    st.caption(t("tag_signal_help", pct=f"{platform.settings.tag_lift_max:.0%}"))
    with st.form(f"{KEY}_signal_form"):
        wanted = st.toggle(t("tag_signal"), value=on, key=f"{KEY}_signal")
        note = st.text_input(t("note"), key=f"{KEY}_signal_note", max_chars=500)
        if st.form_submit_button(t("tag_signal_save")) and wanted != on:
            orgs.set_tag_signal(platform.store, wanted, account.email, note or None)
            st.session_state[f"{KEY}_flash"] = t("tag_signal_saved")
            st.rerun()


def _browse(platform) -> None:
    st.subheader(t("org_list"))
    kinds = st.multiselect(t("org_filter_tag"), [k.value for k in TagKind], key=f"{KEY}_filter",
                           format_func=lambda k: t(f"tag_{k}"))
    verified: dict[int, list[str]] = {}
    for tag in orgs.list_tags(platform.store, "verified"):
        verified.setdefault(tag["organisation_id"], []).append(tag)
    with platform.store.read() as s:
        rows = [{"id": o.id, "name": o.name, "credit_code": o.credit_code, "district": o.district,
                 "industry": industry_label(o.industry) if o.industry else "",
                 "tags": "、".join(tag_label(x["tag"], x["level"], x["year"], lang()) for x in verified.get(o.id, [])),
                 "_kinds": {x["tag"] for x in verified.get(o.id, [])}}
                for o in s.scalars(select(OrganisationRow).order_by(OrganisationRow.name))]
    if kinds:
        rows = [r for r in rows if r["_kinds"] & set(kinds)]
    st.dataframe(status_table(rows, {"name": "col_org", "credit_code": "col_credit_code", "district": "col_region",
                                     "industry": "col_industry", "tags": "col_tags"}),
                 hide_index=True, key=f"{KEY}_table")


def _import_export(platform, account) -> None:
    upload = st.file_uploader(t("org_import"), type=["csv", "xlsx"], key=f"{KEY}_upload")
    verified = st.checkbox(t("org_import_verified"), value=True, key=f"{KEY}_upload_verified")
    if upload is not None and st.button(t("org_import_button"), key=f"{KEY}_import"):
        data = upload.getvalue()
        try:
            check_upload(upload.name, data, platform.settings.max_upload_mb * 1024 * 1024)
            ids = import_organisations(platform.store, data, upload.name, account.email, verified=verified)
        except UploadError as exc:
            st.error(exc.zh if lang() == "zh" else exc.en)
            return
        except RecordValidationError as exc:
            st.error(t("import_failed", n=len(exc.errors)))
            st.dataframe(status_table([{"row": e.row, "field": e.field, "problem": e.message(lang())}
                                       for e in exc.errors], {"row": "col_row", "field": "col_field",
                                                              "problem": "col_problem"}),
                         hide_index=True, key=f"{KEY}_errors")
            return
        st.session_state[f"{KEY}_flash"] = t("org_imported", n=len(set(ids)))
        st.rerun()
    rows = export_organisations(platform.store)
    if lang() == "zh":
        rows = [{HEADERS_ZH.get(k, k): v for k, v in r.items()} for r in rows]
    st.download_button(t("org_export"), export_bytes(rows, "xlsx"), "organisations.xlsx", key=f"{KEY}_export")


def render() -> None:
    platform, account = require_role(*OFFICIALS)
    st.title(t("page_organisations"))
    flash(f"{KEY}_flash")
    _verify(platform, account)
    st.divider()
    _signal(platform, account)
    st.divider()
    _browse(platform)
    _import_export(platform, account)


render()
