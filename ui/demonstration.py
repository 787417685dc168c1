"""Page: demonstration projects (示范应用场景). Enterprises apply for deployed pairings, tick milestones and
report the indicators measured; officials approve support within the budget, accept, and publish cases."""
import streamlit as st

from matcher.domain.indicators import split_indicators
from matcher.domain.records import PairingStatus, RecordValidationError, Role, Side
from matcher.workflow import cases, demonstration as demo, review
from matcher.workflow.review import ReviewError
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import enum_label, lang, t
from ui.widgets import flash, md_escape, status_table

KEY = "demo"


def _my_pairings(platform, account) -> list[dict]:
    """Pairings in which the account owns the scenario or the offering."""
    mine = {side: tuple(r["id"] for r in platform.store.list_records(side, owner_id=account.id)) for side in Side}
    found = {p["id"]: p for p in review.list_pairings(platform.store, review.PairingQuery(scenario_ids=mine[Side.DEMAND]))}
    found.update({p["id"]: p for p in review.list_pairings(platform.store, review.PairingQuery(
        offering_ids=mine[Side.SUPPLY]))})
    return list(found.values())


def _errors(exc: Exception) -> None:
    if isinstance(exc, RecordValidationError):
        for e in exc.errors:
            st.error(e.message(lang()), icon=":material/error:")
    else:
        st.error(exc.message(lang()))


def _done(message: str) -> None:
    st.session_state[f"{KEY}_flash"] = message
    st.rerun()


def _propose(platform, account, pairings: list[dict], taken: set[int]) -> None:
    st.subheader(t("demo_propose"))
    ready = {p["id"]: p for p in pairings if p["status"] == PairingStatus.DEPLOYED and p["id"] not in taken}
    if not ready:
        st.info(t("demo_no_deployed"))
        return
    with st.form(f"{KEY}_apply"):
        pid = st.selectbox(t("demo_pairing"), list(ready), key=f"{KEY}_apply_pairing",
                           format_func=lambda i: f"{ready[i]['scenario_title']} ↔ {ready[i]['offering_title']}")
        title = st.text_input(t("demo_title") + " *", key=f"{KEY}_apply_title")
        plan = st.text_area(t("demo_plan") + " *", key=f"{KEY}_apply_plan")
        requested = st.number_input(t("demo_requested") + " *", min_value=0.0, step=10.0, key=f"{KEY}_apply_req")
        st.caption(t("demo_milestones"))
        milestones = []
        for n in (1, 2, 3):
            left, right = st.columns([3, 1])
            name = left.text_input(t("demo_ms_title", n=n), key=f"{KEY}_apply_ms_{n}")
            due = right.date_input(t("demo_ms_due", n=n), value=None, key=f"{KEY}_apply_due_{n}")
            if name or due:
                milestones.append({"title": name, "due": due})
        if st.form_submit_button(t("demo_apply"), type="primary"):
            try:
                demo.propose(platform.store, pid, {"title": title, "plan": plan, "requested_wan": requested,
                                                   "milestones": milestones}, account.email)
            except (RecordValidationError, ReviewError) as exc:
                _errors(exc)
                return
            _done(t("demo_applied"))


def _details(project: dict) -> None:
    st.markdown(f"**{md_escape(project['title'])}** · {enum_label('pjstatus', project['status'])}")
    st.text(project["plan"])
    granted = f"{project['support_wan']:g}" if project.get("support_wan") else "—"
    st.caption(t("demo_requested_line", req=f"{project['requested_wan']:g}", granted=granted))
    for m in project["milestones"]:
        state = t("demo_ms_done", day=m["done_on"]) if m["done_on"] else t("demo_ms_open")
        st.text(t("demo_milestone_line", title=m["title"], due=m["due"], state=state))
    if project.get("outcome"):
        st.dataframe(status_table([{**r, "met": t("case_met_yes") if r["met"] else t("case_met_no")}
                                   for r in project["outcome"]],
                                  {"indicator": "col_indicator", "measured": "col_measured", "met": "col_met"}),
                     hide_index=True, key=f"{KEY}_outcome_{project['id']}")
        st.text(project.get("outcome_summary") or "")


def _enterprise_actions(platform, account, project: dict, scenario: dict) -> None:
    if project["status"] != demo.ProjectStatus.APPROVED:
        return
    for m in project["milestones"]:
        if not m["done_on"] and st.button(f"{t('demo_milestone_done')}: {m['title']}", key=f"{KEY}_ms_{m['id']}"):
            demo.complete_milestone(platform.store, m["id"], account.email)
            _done(t("demo_done"))
    with st.form(f"{KEY}_report_{project['id']}"):
        st.markdown(f"**{t('demo_report')}**")
        results = []
        for i, indicator in enumerate(split_indicators(scenario.get("indicators"))):
            left, right = st.columns([3, 1])
            measured = left.text_input(t("demo_measured", indicator=indicator), key=f"{KEY}_m_{project['id']}_{i}")
            met = right.checkbox(t("demo_met", indicator=indicator), key=f"{KEY}_met_{project['id']}_{i}")
            if measured.strip():
                results.append({"indicator": indicator, "measured": measured, "met": met})
        extra = st.text_input(t("demo_extra_indicator"), key=f"{KEY}_extra_{project['id']}")
        extra_value = st.text_input(t("col_measured"), key=f"{KEY}_extra_value_{project['id']}")
        if extra.strip():
            results.append({"indicator": extra, "measured": extra_value, "met": False})
        summary = st.text_area(t("demo_summary") + " *", key=f"{KEY}_summary_{project['id']}")
        if st.form_submit_button(t("demo_send_report"), type="primary"):
            try:
                demo.report_outcome(platform.store, project["id"], {"results": results, "summary": summary},
                                    account.email)
            except (RecordValidationError, ReviewError) as exc:
                _errors(exc)
                return
            _done(t("demo_done"))


def _official_actions(platform, account, project: dict) -> None:
    pid, status = project["id"], project["status"]
    budget = platform.settings.demonstration_budget_wan
    if status not in (demo.ProjectStatus.APPLIED, demo.ProjectStatus.REPORTED, demo.ProjectStatus.COMPLETED):
        return
    note = st.text_input(t("note"), key=f"{KEY}_note_{pid}", max_chars=1000) \
        if status != demo.ProjectStatus.COMPLETED else None
    try:
        if status == demo.ProjectStatus.APPLIED:
            left = demo.budget_left(platform.store, project["year"], budget)
            st.caption(t("demo_budget_left", year=project["year"], budget=f"{budget:g}", left=f"{left:g}"))
            amount = st.number_input(t("demo_support"), min_value=0.0, step=10.0, key=f"{KEY}_support_{pid}",
                                     value=float(project["requested_wan"]))
            a, b = st.columns(2)
            if a.button(t("demo_approve"), key=f"{KEY}_approve_{pid}", type="primary"):
                demo.review_project(platform.store, pid, True, account.email, budget, amount, note or None)
                _done(t("demo_done"))
            if b.button(t("demo_reject"), key=f"{KEY}_reject_{pid}"):
                demo.review_project(platform.store, pid, False, account.email, budget, note=note or None)
                _done(t("demo_done"))
        elif status == demo.ProjectStatus.REPORTED:
            a, b = st.columns(2)
            if a.button(t("demo_accept"), key=f"{KEY}_accept_{pid}", type="primary"):
                demo.accept(platform.store, pid, account.email, True, note or None)
                _done(t("demo_done"))
            if b.button(t("demo_return"), key=f"{KEY}_return_{pid}"):
                demo.accept(platform.store, pid, account.email, False, note or None)
                _done(t("demo_done"))
        elif status == demo.ProjectStatus.COMPLETED and not _case_of(platform, pid):
            title = st.text_input(t("demo_case_title"), value=project["title"], key=f"{KEY}_case_title_{pid}")
            contact = st.text_input(t("demo_contact"), key=f"{KEY}_case_contact_{pid}")
            if st.button(t("demo_publish"), key=f"{KEY}_publish_{pid}", type="primary"):
                case_id = demo.publish_case(platform.store, pid, account.email, title or None, contact or None)
                _done(t("demo_case_link", id=case_id))
    except (RecordValidationError, ReviewError) as exc:
        _errors(exc)


def _case_of(platform, project_id: int) -> dict | None:
    return next((c for c in cases.list_cases(platform.store) if c["project_id"] == project_id), None)


def render() -> None:
    platform, account = require_role(Role.ENTERPRISE, *OFFICIALS)
    official = account.role in OFFICIALS
    st.title(t("page_demonstration"))
    flash(f"{KEY}_flash")
    pairings = review.list_pairings(platform.store, review.PairingQuery(
        statuses=(PairingStatus.DEPLOYED,))) if official else _my_pairings(platform, account)
    by_pairing = {p["id"]: p for p in pairings}
    projects = demo.list_projects(platform.store, None if official else list(by_pairing))
    if not official:
        _propose(platform, account, pairings, {p["pairing_id"] for p in projects})
    st.subheader(t("demo_projects"))
    if not projects:
        st.info(t("demo_none"))
        return
    rows = [{"id": p["id"], "title": p["title"], "status": enum_label("pjstatus", p["status"]),
             "scenario": by_pairing.get(p["pairing_id"], {}).get("scenario_title", p["scenario_id"]),
             "offering": by_pairing.get(p["pairing_id"], {}).get("offering_title", p["offering_id"])} for p in projects]
    st.dataframe(status_table(rows, {"id": "col_id", "title": "col_title", "status": "col_status",
                                     "scenario": "col_scenario", "offering": "col_offering"}),
                 hide_index=True, key=f"{KEY}_table")
    titles = {p["id"]: p["title"] for p in projects}
    picked = st.selectbox(t("demo_pick"), list(titles), key=f"{KEY}_pick", format_func=lambda i: f"{i} · {titles[i]}")
    project = demo.get_project(platform.store, picked)
    with st.container(border=True, key=f"{KEY}_detail"):
        _details(project)
        if (case := _case_of(platform, picked)) is not None:
            st.caption(t("demo_case_link", id=case["id"]))
            if not official:
                scenario = platform.store.get_record(Side.DEMAND, project["scenario_id"]) or {}
                side = "demand" if scenario.get("owner_id") == account.id else "supply"
                agreed = case["consent_demand" if side == "demand" else "consent_supply"]
                wanted = st.checkbox(t("case_consent"), value=agreed, key=f"{KEY}_consent_{case['id']}")
                if wanted != agreed:
                    cases.set_consent(platform.store, case["id"], side, wanted, account.email)
                    _done(t("demo_done"))
    if official:
        _official_actions(platform, account, project)
    else:
        scenario = platform.store.get_record(Side.DEMAND, project["scenario_id"]) or {}
        _enterprise_actions(platform, account, project, scenario)


render()
