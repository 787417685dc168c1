"""Page: bulk import of offerings/scenarios (CSV or XLSX, all rows or none; publish now or send to
moderation), import templates with the valid codes, and exports in the reader's language."""
import streamlit as st

from matcher.domain.records import RecordStatus, RecordValidationError, Side
from matcher.io.exporting import KINDS, export_file
from matcher.io.imports import UploadError, check_upload
from matcher.io.templates import template_xlsx
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import TEXT, field_label, lang, t
from ui.page_state import relabel_on_language_change
from ui.resources import settings
from ui.widgets import flash, status_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TARGETS = [RecordStatus.PENDING, RecordStatus.PUBLISHED]
# Streamlit's uploader draws its own English instructions; they are hidden and said in our words instead.
UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button, [data-testid="stFileUploaderDropzone"] button * { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button::after { content: attr(data-label); font-size: 0.875rem; }
</style>"""


def _uploader(limit_mb: int):
    st.html(UPLOADER_CSS.replace("attr(data-label)", '"' + t("browse_files") + '"'))
    st.caption(t("upload_limit", mb=limit_mb))
    # The stated limit and the enforced one are the same setting; the uploader refuses larger files itself.
    return st.file_uploader(t("upload"), type=["csv", "xlsx"], key="import_file", max_upload_size=limit_mb)


def _import(platform, account) -> None:
    st.subheader(t("import_header"))
    st.caption(t("import_rule"))
    side = st.radio(t("import_side"), list(Side), key="import_side", horizontal=True,
                    format_func=lambda s: t(f"side_{s.value}"))
    name = "offerings" if side == Side.SUPPLY else "scenarios"
    st.download_button(t("template_download"), file_name=f"{t('template_file')}-{name}-{lang()}.xlsx", mime=XLSX,
                       key="import_template", data=lambda: template_xlsx(side, lang()), on_click="ignore",
                       icon=":material/download:")
    st.caption(t("template_hint"))
    target = st.radio(t("import_target"), TARGETS, key="import_target", horizontal=True,
                      format_func=lambda s: t(f"import_target_{s.value}"))
    limit = settings().max_upload_mb
    upload = _uploader(limit)
    problem = None
    if upload is not None:
        try:  # checked as soon as the file arrives, before anything is processed
            check_upload(upload.name, upload.getvalue(), limit * 1024 * 1024)
        except UploadError as exc:
            problem = exc.zh if lang() == "zh" else exc.en
            st.error(problem)
    if not st.button(t("import_button"), key="import_submit", type="primary",
                     disabled=upload is None or problem is not None):
        return
    bar = st.progress(0.0, text=t("progress_parse"))

    def progress(fraction: float, message: str) -> None:
        label = f"progress_{message}" if f"progress_{message}" in TEXT else "progress_match"
        bar.progress(min(max(fraction, 0.0), 1.0), text=t(label))

    try:
        ids = platform.import_file(side, upload.getvalue(), upload.name, actor=account.email, status=target,
                                   progress=progress)
    except RecordValidationError as exc:
        bar.empty()
        st.error(t("import_failed", n=len(exc.errors)))
        rows = [{"row": e.row, "field": field_label(e.field), "message": e.message(lang())} for e in exc.errors]
        st.dataframe(status_table(rows, {"row": "col_row", "field": "col_field", "message": "col_problem"}),
                     hide_index=True, key="import_errors")
        return
    st.session_state["import_flash"] = t(f"import_ok_{target.value}", n=len(ids))
    if getattr(ids, "deferred", None):  # committed; matching finishes at the next start
        st.session_state["import_flash"] += " " + t("import_deferred")
    st.rerun()


def _export(platform) -> None:
    st.subheader(t("export_header"))
    st.caption(t("export_hint"))
    kind = st.selectbox(t("export_kind"), KINDS, key="export_kind", format_func=lambda k: t(f"kind_{k}"))
    language, store = lang(), platform.store
    left, right = st.columns(2)
    for col, fmt, mime in ((left, "csv", "text/csv"), (right, "xlsx", XLSX)):
        # Built only when clicked (a callable), so page reruns never pay for a large export.
        col.download_button(t(f"export_{fmt}"), file_name=f"{t('kind_' + kind)}.{fmt}", mime=mime,
                            key=f"export_{fmt}", on_click="ignore",
                            data=lambda fmt=fmt: export_file(store, kind, fmt, lang=language))


def render() -> None:
    platform, account = require_role(*OFFICIALS)
    relabel_on_language_change("export_", "import_", skip=("import_file",))
    st.title(t("page_import_export"))
    flash("import_flash")
    _import(platform, account)
    st.divider()
    _export(platform)


render()
