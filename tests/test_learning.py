"""Learning from decisions in the store: versions are audited, used by the ranking at once, frozen and rolled
back; the admin page drives it."""
import json

import pytest
from sqlalchemy import select

from conftest import open_app
from matcher.bench import replay
from matcher.domain.records import PairingStatus, ReasonCode, RecordStatus, Side
from matcher.search import signals
from matcher.search.ranking import Suggestion
from matcher.storage.schema import AuditLog
from matcher.workflow import learning, review


def _decide(platform, n_low=12, n_rejected=10, n_approved=10):
    """One battery scenario needing mass production; officials reject the small-batch offerings as immature."""
    sid = platform.submit(Side.DEMAND, dict(title="Liquid cooling plate for packs",
                                            description="We need a liquid cooling plate for battery packs",
                                            organization="Pack Co", industry="batteries_storage",
                                            required_maturity="mass_production"), "t", status=RecordStatus.PUBLISHED)
    rows = "title,description,organization,maturity,industry\n" + "".join(
        f"Cooling plate {i},Liquid cooling plate {i} for packs,Firm {i},"
        f"{'small_batch' if i < n_low else 'mass_production'},batteries_storage\n"
        for i in range(n_low + n_rejected + n_approved))
    oids = platform.import_file(Side.SUPPLY, rows.encode(), "o.csv", "t")
    review.save_suggestions(platform.store, [Suggestion(sid, o, 0.5, {}) for o in oids], 0.0)
    pairings = {p["offering_id"]: p for p in review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(sid,)))}
    for i, oid in enumerate(oids):
        p = pairings[oid]
        if i < n_low:
            review.transition(platform.store, p["id"], PairingStatus.REJECTED, "o@x", p["version"],
                              ReasonCode.MATURITY_TOO_LOW)
        elif i < n_low + n_rejected:
            review.transition(platform.store, p["id"], PairingStatus.REJECTED, "o@x", p["version"],
                              ReasonCode.NOT_RELEVANT)
        else:
            review.transition(platform.store, p["id"], PairingStatus.APPROVED, "o@x", p["version"])
    return sid, oids


def _audit(platform):
    with platform.store.read() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.entity == "learning").order_by(AuditLog.id)))


def test_learning_is_audited_used_by_the_ranking_frozen_and_rolled_back(platform):
    sid, oids = _decide(platform)
    before = {s.offering_id: s.score for s in platform.suggestions(Side.DEMAND, sid, k=40)}
    [change] = platform.learn_from_decisions("admin@x")
    assert change.industry == "batteries_storage" and len(change.decision_ids) == 32
    assert change.after["maturity"] > change.before["maturity"] == 0.16
    row = _audit(platform)[-1]
    note = json.loads(row.note)
    assert (row.actor, row.action, row.entity_id) == ("admin@x", "weights_learn", "batteries_storage")
    assert note["before"] == change.before and note["after"] == change.after and note["decisions"] == 32
    shown = platform.suggestions(Side.DEMAND, sid, k=40)
    after = {s.offering_id: s.score for s in shown}
    assert after[oids[0]] < before[oids[0]] and after[oids[-1]] > before[oids[-1]]   # immature down, mature up
    # the learned gate (not just the soft weights): every immature offering now ranks below every mature one,
    # scored exactly as the replay benchmark scores a pair with these parameters
    assert change.after["maturity_gate"] == signals.GATE_MIN and change.after["maturity_floor"] == 0.0
    immature = set(oids[:12])
    assert all(s.offering_id not in immature for s in shown[:len(shown) - len(immature)])
    scenario = {"industry": "batteries_storage", "required_maturity": "mass_production"}
    for s in shown:
        offering = {"industry": "batteries_storage",
                    "maturity": "small_batch" if s.offering_id in immature else "mass_production"}
        assert s.score == pytest.approx(replay._score(s.channels["text"], scenario, offering,
                                                      {"batteries_storage": change.after}), abs=2e-4)
        assert (s.channels.get("gate") == signals.GATE_MIN) == (s.offering_id in immature)
        assert any(r.code == "learned_gate" for r in s.reasons) == (s.offering_id in immature)
    assert platform.learn_from_decisions("admin@x") == []          # nothing new: no new version
    platform.freeze_learning("batteries_storage", True, "admin@x")
    assert learning.frozen(platform.store) == {"batteries_storage"}
    platform.rollback_learning("batteries_storage", "admin@x")
    assert learning.current(platform.store)["batteries_storage"] == change.before
    assert platform.learn_from_decisions("admin@x") == []          # frozen: learning leaves it alone
    assert [r.action for r in _audit(platform)] == ["weights_learn", "weights_freeze", "weights_rollback"]
    assert {s.offering_id: s.score for s in platform.suggestions(Side.DEMAND, sid, k=40)} == before
    with pytest.raises(learning.LearningError):
        platform.rollback_learning("robotics_equipment", "admin@x")


def test_admin_page_learns_and_rolls_back(platform, accounts):
    _decide(platform)
    at = open_app("ui/admin.py", accounts["admin"]).run()
    assert "Nothing learned yet" in " ".join(i.value for i in at.info)
    at.button(key="admin_learn").click().run()
    assert not at.exception and "Weights changed for 1 industries." in [s.value for s in at.success]
    assert at.dataframe[-1].value.shape[0] == 1
    assert "maturity gate ×0.50 (below the scenario's need)" in at.dataframe[-1].value.to_string()
    at.button(key="admin_learn_rollback").click().run()
    assert at.dataframe[-1].value.shape[0] == 2
    assert learning.current(platform.store)["batteries_storage"] == signals.DEFAULT_PARAMS
    zh = open_app("ui/admin.py", accounts["admin"], lang="zh").run()
    assert not zh.exception and "从审核决定中学习的排序权重" in [h.value for h in zh.subheader]
