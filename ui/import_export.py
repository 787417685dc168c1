"""Page: bulk import of offerings/scenarios (CSV or XLSX, all rows or none) and export as CSV/XLSX."""
import streamlit as st

from matcher.io.exporting import export_rows
from matcher.io.imports import UploadError, check_upload, export_bytes
from matcher.domain.records import RecordValidationError, Side
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import TEXT, field_label, lang, t
from ui.resources import settings
from ui.widgets import flash, localise_uploader, status_table

KINDS = ["offerings", "scenarios", "pairings"]


def _import(platform, account) -> None:
    st.subheader(t("import_header"))
    st.caption(t("import_rule"))
    side = st.radio(t("import_side"), list(Side), key="import_side", horizontal=True,
                    format_func=lambda s: t(f"side_{s.value}"))
    localise_uploader(["csv", "xlsx"], settings().max_upload_mb)
    upload = st.file_uploader(t("upload"), type=["csv", "xlsx"], key="import_file")
    if not st.button(t("import_button"), key="import_submit", type="primary", disabled=upload is None):
        return
    data = upload.getvalue()
    try:
        check_upload(upload.name, data, settings().max_upload_mb * 1024 * 1024)
    except UploadError as exc:
        st.error(exc.zh if lang() == "zh" else exc.en)
        return
    bar = st.progress(0.0, text=t("progress_parse"))

    def progress(fraction: float, message: str) -> None:
        label = f"progress_{message}" if f"progress_{message}" in TEXT else "progress_match"
        bar.progress(min(max(fraction, 0.0), 1.0), text=t(label))

    try:
        ids = platform.import_file(side, data, upload.name, actor=account.email, progress=progress)
    except RecordValidationError as exc:
        bar.empty()
        st.error(t("import_failed", n=len(exc.errors)))
        rows = [{"row": e.row, "field": field_label(e.field), "message": e.message(lang())} for e in exc.errors]
        st.dataframe(status_table(rows, {"row": "col_row", "field": "col_field", "message": "col_problem"}),
                     hide_index=True, key="import_errors")
        return
    st.session_state["import_flash"] = t("import_ok", n=len(ids))
    st.rerun()


def _export(platform) -> None:
    st.subheader(t("export_header"))
    kind = st.selectbox(t("export_kind"), KINDS, key="export_kind", format_func=lambda k: t(f"kind_{k}"))
    headers, store = lang(), platform.store
    left, right = st.columns(2)
    for col, fmt, mime in ((left, "csv", "text/csv"),
                           (right, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
        # Built only when clicked (a callable), so page reruns never pay for a large export.
        col.download_button(t(f"export_{fmt}"), file_name=f"{kind}.{fmt}", mime=mime, key=f"export_{fmt}",
                            data=lambda fmt=fmt: export_bytes(export_rows(store, kind), fmt, headers_lang=headers),
                            on_click="ignore")


def render() -> None:
    platform, account = require_role(*OFFICIALS)
    st.title(t("page_import_export"))
    flash("import_flash")
    _import(platform, account)
    st.divider()
    _export(platform)


render()
