"""Admin section: per-industry signal weights learned from officials' decisions: learn now, review every
version (before and after, how many decisions), freeze an industry, roll back its last change."""
import streamlit as st

from matcher.domain.records import Maturity
from matcher.search import signals
from matcher.workflow import learning
from ui.i18n import industry_label, lang, t
from ui.widgets import md_escape, status_table

PARAMS = {"industry": "learn_param_industry", "region": "learn_param_region", "maturity": "learn_param_maturity",
          "maturity_step": "learn_param_maturity_step"}
ACTIONS = {"learn": "learn_action_learn", "rollback": "learn_action_rollback", "freeze": "learn_action_freeze"}


def _gates(params: dict) -> list[str]:
    """The learned gates in force (signals.violated), in words; none on today's defaults."""
    p = signals.params_for(None, {"": params})
    out = []
    if p["maturity_gate"] < 1.0:
        floor = int(round(p["maturity_floor"]))
        need = (t("learn_need_floor", stage=t(f"maturity_{list(Maturity)[floor]}")) if floor
                else t("learn_need_scenario"))
        out.append(t("learn_gate_maturity", g=f"{p['maturity_gate']:.2f}", need=need))
    if p["region_gate"] < 1.0:
        need = t("learn_need_district") if p["region_need"] >= 1.0 else t("learn_need_city")
        out.append(t("learn_gate_region", g=f"{p['region_gate']:.2f}", need=need))
    if p["industry_gate"] < 1.0:
        out.append(t("learn_gate_industry", g=f"{p['industry_gate']:.2f}"))
    return out


def _summary(params: dict) -> str:
    weights = [f"{t(key)} {params.get(name, signals.DEFAULT_PARAMS[name]):.3f}" for name, key in PARAMS.items()]
    return " · ".join(weights + (_gates(params) or [t("learn_no_gate")]))


def learning_section(platform, account) -> None:
    st.subheader(t("learn_title"))
    st.caption(t("learn_help", n=platform.settings.learning_min_decisions))
    if st.button(t("learn_button"), key="admin_learn"):
        changes = platform.learn_from_decisions(account.email)
        st.session_state["admin_flash"] = t("learn_done", n=len(changes))
        st.rerun()
    rows = learning.versions(platform.store)
    if not rows:
        st.info(t("learn_none"))
        return
    table = [{"industry": industry_label(r["industry"]), "version": r["version"],
              "action": t(ACTIONS[r["action"]]), "frozen": t("yes" if r["frozen"] else "no"),
              "before": _summary(r["before"]), "after": _summary(r["params"]),
              "decisions": len(r["decision_ids"]), "actor": r["actor"], "created_at": r["created_at"]}
             for r in rows]
    st.dataframe(status_table(table, {"industry": "col_industry", "version": "col_version", "action": "col_action",
                                      "frozen": "col_frozen", "before": "col_before", "after": "col_after",
                                      "decisions": "col_decisions", "actor": "col_actor",
                                      "created_at": "col_created"}), hide_index=True, key="admin_learn_table")
    newest = {}
    for r in rows:   # newest first
        newest.setdefault(r["industry"], r)
    picked = st.selectbox(t("learn_pick"), list(newest), key="admin_learn_industry", format_func=industry_label)
    row = newest[picked]
    st.caption(md_escape(t("learn_in_force", params=_summary(row["params"]))))
    a, b = st.columns(2)
    if a.button(t("learn_unfreeze") if row["frozen"] else t("learn_freeze"), key="admin_learn_freeze"):
        platform.freeze_learning(picked, not row["frozen"], account.email)
        st.session_state["admin_flash"] = t("learn_updated")
        st.rerun()
    if b.button(t("learn_rollback"), key="admin_learn_rollback"):
        try:
            platform.rollback_learning(picked, account.email)
            st.session_state["admin_flash"] = t("learn_updated")
        except learning.LearningError as exc:
            st.session_state["admin_flash"] = exc.message(lang())
        st.rerun()
