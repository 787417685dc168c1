"""Page: an enterprise's one organisation profile (credit code, district, industry, size) and claimed tags."""
import streamlit as st

from matcher.domain.organisations import OrgSize, TagKind, TagLevel
from matcher.domain.records import RecordValidationError, Role
from matcher.workflow import organisations as orgs
from ui.auth_gate import require_role
from ui.i18n import enum_label, industry_codes, industry_label, lang, t
from ui.widgets import flash

KEY = "org"


def _errors_under(errors: dict[str, str], *fields: str) -> None:
    for field in fields:
        if field in errors:
            st.error(errors[field], icon=":material/error:")


def _tag_rows(current: dict[str, dict], errors: dict[str, str]) -> list[dict]:
    """One row per tag kind: held?, level, year. Only held rows are sent."""
    st.markdown(f"**{t('org_tags')}**")
    out = []
    for i, kind in enumerate(TagKind):
        have = current.get(kind.value)
        cols = st.columns([2, 2, 2, 2])
        held = cols[0].checkbox(t(f"tag_{kind.value}"), value=have is not None, key=f"{KEY}_tag_{kind.value}")
        levels = [None, *(v.value for v in TagLevel)]  # plain values: stable across reruns and in AppTest
        level = cols[1].selectbox(t("org_level"), levels, key=f"{KEY}_level_{kind.value}",
                                  index=levels.index(have["level"]) if have else 0,
                                  format_func=lambda v: enum_label("level", v), label_visibility="collapsed")
        year = cols[2].number_input(t("org_year"), min_value=1990, max_value=2100, step=1,
                                    value=int(have["year"]) if have else None, key=f"{KEY}_year_{kind.value}",
                                    placeholder=t("org_year"), label_visibility="collapsed")
        if have:
            cols[3].caption(t(f"tag_status_{have['status']}"))
        if held:
            # errors name the position among the held tags ("tags.0.level"): show them under that row
            for field, message in errors.items():
                if field.startswith(f"tags.{len(out)}."):
                    st.error(f"{t(f'tag_{kind.value}')}: {message}", icon=":material/error:")
            out.append({"tag": kind.value, "level": level, "year": year})
    _errors_under(errors, "tags")
    return out


def render() -> None:
    platform, account = require_role(Role.ENTERPRISE)
    st.title(t("page_org_profile"))
    flash(f"{KEY}_flash")
    profile = orgs.profile_of(platform.store, account.id) or {}
    if not profile:
        st.info(t("org_none"))
    errors: dict[str, str] = st.session_state.get(f"{KEY}_errors", {})
    if errors:
        st.error(t("form_errors"))
    current = {tag["tag"]: tag for tag in profile.get("tags", [])}
    with st.form(KEY):
        name = st.text_input(t("org_name") + " *", value=profile.get("name") or account.organization, key=f"{KEY}_name")
        _errors_under(errors, "name")
        code = st.text_input(t("org_credit_code"), value=profile.get("credit_code") or "", key=f"{KEY}_credit_code",
                             help=t("org_credit_help"), max_chars=30)
        _errors_under(errors, "credit_code")
        left, mid, right = st.columns(3)
        district = left.text_input(t("org_district"), value=profile.get("district") or "", key=f"{KEY}_district")
        codes = [None, *industry_codes()]
        industry = mid.selectbox(t("org_industry"), codes, key=f"{KEY}_industry", format_func=industry_label,
                                 index=codes.index(profile.get("industry")) if profile.get("industry") in codes else 0)
        sizes = [None, *(v.value for v in OrgSize)]
        size = right.selectbox(t("org_size"), sizes, key=f"{KEY}_size", format_func=lambda v: enum_label("size", v),
                               index=sizes.index(profile["size"]) if profile.get("size") else 0)
        _errors_under(errors, "district", "industry", "size")
        tags = _tag_rows(current, errors)
        sent = st.form_submit_button(t("org_save"), type="primary")
    if sent:
        data = {"name": name, "credit_code": code, "district": district, "industry": industry, "size": size,
                "tags": tags}
        try:
            orgs.save_profile(platform.store, account.id, data, actor=account.email)
        except RecordValidationError as exc:
            st.session_state[f"{KEY}_errors"] = {e.field: e.message(lang()) for e in exc.errors}
            st.rerun()
        st.session_state.pop(f"{KEY}_errors", None)
        st.session_state[f"{KEY}_flash"] = t("org_saved")
        st.rerun()


render()
