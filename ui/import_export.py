"""Page: bulk import of offerings/scenarios (CSV or XLSX, all rows or none; publish now or send to
moderation) run in the background with a live progress bar and the result, import templates with the valid
codes, and exports in the reader's language."""
import streamlit as st

from matcher.domain.records import RecordStatus, Side
from matcher.io.exporting import KINDS, export_file
from matcher.io.imports import UploadError, check_upload
from matcher.io.templates import template_xlsx
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import TEXT, field_label, format_datetime, lang, t
from ui.page_state import relabel_on_language_change
from ui.resources import settings
from ui.widgets import status_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TARGETS = [RecordStatus.PENDING, RecordStatus.PUBLISHED]
POLL_SECONDS = 1.0  # how often the progress bar of a running import is redrawn
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
        try:  # checked as soon as the file arrives (size, type, content, rows and cells), before any processing
            check_upload(upload.name, upload.getvalue(), limit * 1024 * 1024)
        except UploadError as exc:
            problem = exc.zh if lang() == "zh" else exc.en
            st.error(problem)
    if st.button(t("import_button"), key="import_submit", type="primary",
                 disabled=upload is None or problem is not None):
        try:  # returns at once: a worker thread of the process runs it (matcher/io/import_jobs.py)
            platform.imports.submit(side, upload.getvalue(), upload.name, actor=account.email, status=target)
        except UploadError as exc:
            st.error(exc.zh if lang() == "zh" else exc.en)
        else:
            st.toast(t("import_started", file=upload.name))
    _jobs(platform, account)


def _job_result(job) -> None:
    """The outcome of a finished job, in the reader's language: what was saved and where it went, or every
    bad row, or that a restart interrupted it."""
    if job.state == "done":
        st.success(t(f"import_ok_{job.target_status.value}", n=job.committed))
        if job.deferred:  # committed; matching finishes at the next start
            st.warning(t("import_deferred"))
    elif job.state == "failed":
        st.error(t("import_failed", n=job.error_count))
        rows = [{"row": e["row"], "field": field_label(e["field"]), "message": e["zh" if lang() == "zh" else "en"]}
                for e in job.errors]
        st.dataframe(status_table(rows, {"row": "col_row", "field": "col_field", "message": "col_problem"}),
                     hide_index=True, key="import_errors")
        if job.error_count > len(job.errors):
            st.caption(t("import_errors_capped", shown=len(job.errors), n=job.error_count))
    else:
        st.warning(t("import_interrupted_saved", n=job.committed) if job.committed else t("import_interrupted_none"))


def _jobs(platform, account) -> None:
    """The official's recent imports: the newest with a live progress bar while it runs (a fragment polling
    the job's row every POLL_SECONDS), then its result; the earlier ones in a table."""
    active = any(j.active for j in platform.imports.recent(actor=account.email))

    @st.fragment(run_every=POLL_SECONDS if active else None)
    def panel() -> None:
        jobs = platform.imports.recent(actor=account.email)
        if not jobs:
            return
        if active and not any(j.active for j in jobs):
            st.rerun()  # finished since the page was drawn: redraw it once, and the polling stops
        st.subheader(t("import_jobs_header"))
        latest = jobs[0]
        if latest.active:
            st.caption(t("import_background_hint"))
            label = (t("import_queued", file=latest.filename) if latest.state == "queued" else
                     t("import_running", file=latest.filename, stage=t(_stage(latest.stage)),
                       pct=int(100 * latest.progress)))
            st.progress(latest.progress, text=label)
        else:
            st.caption(t("import_result_of", file=latest.filename, when=format_datetime(latest.created_at)))
            _job_result(latest)
        if len(jobs) > 1:
            st.caption(t("import_history"))
            rows = [{"at": j.created_at, "file": j.filename, "side": t(f"side_{j.side.value}"),
                     "target": t(f"import_target_{j.target_status.value}"), "state": t(f"job_{j.state}"),
                     "saved": j.committed} for j in jobs[1:]]
            st.dataframe(status_table(rows, {"at": "col_at", "file": "col_file", "side": "col_side",
                                             "target": "col_target", "state": "col_state", "saved": "col_saved"}),
                         hide_index=True, key="import_history")

    panel()


def _stage(stage: str) -> str:
    return f"progress_{stage}" if f"progress_{stage}" in TEXT else "progress_match"


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
    _import(platform, account)
    st.divider()
    _export(platform)


render()
