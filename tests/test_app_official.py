"""AppTest: official pages: moderation, review actions (single and bulk) with audit rows, import, export,
dashboard, and the admin's account page."""
import io

from conftest import open_app
from matcher.workflow import review
from matcher.auth import authenticate
from matcher.domain.records import PairingStatus, RecordStatus, Side
from matcher.storage.schema import AuditLog


def _audit(platform, entity: str, entity_id) -> list[AuditLog]:
    from sqlalchemy import select
    with platform.store.read() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.entity == entity,
                                                     AuditLog.entity_id == str(entity_id)).order_by(AuditLog.id)))


def test_moderation_publishes_and_rejects_with_reason(platform, accounts, seeded):
    a = platform.submit(Side.SUPPLY, {"title": "Pending one", "description": "New laser welding head",
                                      "organization": "Weld Co"}, "e", owner_id=accounts["enterprise"].id)
    b = platform.submit(Side.DEMAND, {"title": "Pending two", "description": "Need welding of thin aluminium",
                                      "organization": "Car Co"}, "e", owner_id=accounts["enterprise"].id)
    at = open_app("ui/moderation.py", accounts["official"]).run()
    at.selectbox(key="mod_pick").set_value(a).run()
    at.button(key="mod_publish").click().run()
    assert platform.store.get_record(Side.SUPPLY, a)["status"] == RecordStatus.PUBLISHED
    at.selectbox(key="mod_pick").set_value(b).run()
    at.button(key="mod_reject").click().run()
    assert "A rejection needs a reason." in [e.value for e in at.error]
    assert platform.store.get_record(Side.DEMAND, b)["status"] == RecordStatus.PENDING
    at.selectbox(key="mod_reason").set_value("duplicate")
    at.text_area(key="mod_note").input("same as last week")
    at.button(key="mod_reject").click().run()
    assert platform.store.get_record(Side.DEMAND, b)["status"] == RecordStatus.REJECTED
    last = _audit(platform, "scenario", b)[-1]
    assert (last.actor, last.to_status, last.reason_code, last.note) == \
        ("official@test.example", "rejected", "duplicate", "same as last week")
    assert at.info[0].value == "Nothing is waiting for moderation."


def test_import_runs_in_the_background_with_progress_then_shows_the_result(platform, accounts):
    """The click queues a job and the page returns at once with a progress bar (polled by a fragment); the
    next run shows the result: every bad row and nothing saved, or the records saved and where they went."""
    bad = "title,description,organization,contact_email\nOK,fine,Org,a@b.co\n,missing title,Org,bad-email\n"
    good = "title,description,organization\n激光焊接头,用于薄铝板焊接,焊接公司\nLaser head,For thin sheets,Weld Co\n"
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    def upload(text: str, name: str):
        data = text.encode("utf-8")
        return UploadedFile(UploadedFileRec("f1", name, "text/csv", data), None)

    def import_and_wait(text: str, name: str):
        # AppTest cannot drive st.file_uploader yet: call the page's import step with a file object directly.
        with mock.patch("streamlit.file_uploader", return_value=upload(text, name)):
            at = open_app("ui/import_export.py", accounts["official"]).run()
            at.button(key="import_submit").click().run()
            [job] = platform.imports.recent(actor=accounts["official"].email, limit=1)
            # still running now, so it was running when the page was drawn: the page shows its progress bar
            assert at.get("progress") or not job.active
            assert platform.imports.wait(job.id, timeout=300).state in ("done", "failed")
            return at.run(), job.id

    from unittest import mock
    at, job_id = import_and_wait(bad, "bad.csv")
    assert at.error[0].value == "Nothing imported: 2 problem(s) found."
    table = at.dataframe[0].value
    assert list(table["Row"]) == [3, 3]
    assert platform.store.count(Side.SUPPLY) == 0
    assert [a.action for a in _audit(platform, "import", job_id)] == ["import_queued", "import_failed"]
    at, job_id = import_and_wait(good, "good.csv")
    assert at.success[0].value == "2 records imported and sent to moderation; they are published once approved."
    assert platform.store.count(Side.SUPPLY) == 2
    assert not at.get("progress")
    history = at.dataframe[0].value   # the earlier (failed) import, below the result
    assert list(history["State"]) == ["Not imported (errors)"] and list(history["File"]) == ["bad.csv"]
    audit = _audit(platform, "import", job_id)
    assert [(a.actor, a.action, a.to_status) for a in audit] == [
        ("official@test.example", "import_queued", "pending"), ("official@test.example", "import_done", "pending")]


def test_export_buttons_and_bytes(platform, accounts, seeded):
    import openpyxl
    from matcher.io.exporting import export_rows
    from matcher.io.imports import export_bytes

    at = open_app("ui/import_export.py", accounts["official"]).run()
    assert {b.key for b in at.get("download_button")} >= {"export_csv", "export_xlsx"} or at.get("download_button")
    data = export_bytes(export_rows(platform.store, "pairings"), "xlsx", headers_lang="zh")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.cell(1, 1).value == "编号" and sheet.max_row == len(review.list_pairings(platform.store)) + 1


def test_dashboard_renders_charts_and_gaps(platform, accounts, seeded):
    at = open_app("ui/dashboard.py", accounts["official"]).run()
    assert not at.exception
    assert [m.label for m in at.metric][:2] == ["Published offerings", "Published scenarios"]
    assert at.metric[0].value == "2"
    # funnel, supply and demand, scores; no "over time" chart while the pairings span less than two days
    assert len(at.get("vega_lite_chart")) == 3
    assert "Pairings span less than two days so far: there is no trend to show yet." in [i.value for i in at.info]
    subheaders = [h.value for h in at.subheader]
    assert subheaders[:2] == ["Pipeline funnel", "Supply and demand by industry"]
    assert "Scenarios with no good supply (candidates for open calls or attracting investment)" in subheaders
    funnel = at.table[0].value   # the funnel's numbers, with labels and rates
    assert list(funnel.index) == ["suggested", "under review", "approved", "contacted", "piloting", "deployed"]
    assert funnel.iloc[0, 0] == len(review.list_pairings(platform.store))
    industries = at.table[1].value
    assert "Power Batteries & Energy Storage" in industries.index   # full names, not codes


def test_admin_creates_an_official_who_can_sign_in(platform, accounts):
    at = open_app("ui/admin.py", accounts["admin"]).run()
    at.text_input(key="admin_org").input("Changzhou S&T Bureau")
    at.text_input(key="admin_email").input("reviewer@gov.example")
    at.text_input(key="admin_password").input("short")
    at.button(key="admin_submit").click().run()
    assert "The password needs at least 8 characters." in [e.value for e in at.error]
    at.text_input(key="admin_password").input("a-good-password")
    at.button(key="admin_submit").click().run()
    assert at.success[0].value == "Account reviewer\\@\u2060gov\\.example created."  # escaped, and no autolink
    assert authenticate(platform.store, "reviewer@gov.example", "a-good-password", platform.settings).role == "official"
    assert _audit(platform, "user", authenticate(platform.store, "reviewer@gov.example", "a-good-password",
                                                 platform.settings).id)[0].actor == "admin@test.example"
