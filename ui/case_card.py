"""One case of the library as a card: shared by the case library page and the suggestions beside a scenario."""
import streamlit as st

from matcher.workflow import cases
from ui.i18n import industry_label, t
from ui.widgets import md_escape, status_table


def case_card(case: dict, key: str) -> None:
    """One case as the library shows it (the contact only when both parties agreed)."""
    case = cases.public(case)
    with st.container(border=True, key=f"{key}_{case['id']}"):
        st.markdown(f"**{md_escape(case['title'])}** · {md_escape(case['id'])}")
        st.caption(" · ".join(x for x in (industry_label(case["industry"]) if case.get("industry") else None,
                                          case.get("region")) if x))
        st.markdown(f"**{t('case_problem')}**")
        st.text(case["problem"])
        st.markdown(f"**{t('case_solution')}**")
        st.text(case["solution"])
        st.text(f"{t('case_supplier')}: {case['supplier']}" +
                (f" · {t('case_adopter')}: {case['adopter']}" if case.get("adopter") else ""))
        st.markdown(f"**{t('case_results')}**")
        st.dataframe(status_table([{**r, "met": t("case_met_yes") if r.get("met") else t("case_met_no")}
                                   for r in case["results"]],
                                  {"indicator": "col_indicator", "measured": "col_measured", "met": "col_met"}),
                     hide_index=True, key=f"{key}_{case['id']}_results")
        if case.get("contact"):
            st.text(f"{t('case_contact')}: {case['contact']}")
        else:
            st.caption(t("case_contact_hidden"))
