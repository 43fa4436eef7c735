from datetime import date
from decimal import Decimal

import numpy as np

from matcher import gates
from matcher.signals import history, passages, semantic, shared_keywords
from store.codes import code_tokens, family

TODAY = date(2026, 6, 27)
PROFILE = {"min_lead_days": 30, "min_project_size": Decimal("200000"), "countries": ["LV"]}


def call(**fields):
    return {"deadlines": [{"date": "2026-09-23", "stage": "single-stage"}], "grant_max": None, "topic_budget": None,
            "eligibility": {}, **fields}


def test_passed_deadline_fails_the_deadline_gate():
    gate = gates.deadline_gate(call(deadlines=[{"date": "2026-03-01", "stage": "x"}]), PROFILE, TODAY)
    assert (gate.passed, gate.reason) == (False, "Deadline passed on 01 Mar 2026")


def test_too_close_deadline_fails_with_the_days_left():
    gate = gates.deadline_gate(call(deadlines=[{"date": "2026-07-07", "stage": "x"}]), PROFILE, TODAY)
    assert not gate.passed and "Only 10 days left" in gate.reason


def test_second_stage_in_the_future_keeps_the_call_alive():
    deadlines = [{"date": "2026-05-01", "stage": "first stage"}, {"date": "2026-12-01", "stage": "second stage"}]
    assert gates.deadline_gate(call(deadlines=deadlines), PROFILE, TODAY).passed


def test_small_grant_fails_the_size_gate():
    gate = gates.size_gate(call(grant_max=Decimal("60000")), PROFILE)
    assert (gate.passed, gate.reason) == (False, "Largest grant €60 k is below the minimum €200 k")
    # Where the short forms would read the same, the amounts are written in full.
    close = gates.size_gate(call(grant_max=Decimal("1040000")), {**PROFILE, "min_project_size": Decimal("1049000")})
    assert close.reason == "Largest grant €1,040,000 is below the minimum €1,049,000"
    budget = gates.size_gate(call(topic_budget=Decimal("150000")), PROFILE)
    assert (budget.passed, budget.reason) == (False, "The whole topic budget €150 k is below the minimum €200 k")


def test_a_declared_conflict_screens_out_the_calls_it_names_by_identifier_start_or_programme():
    profile = {**PROFILE, "conflicts": "horizon-cl2-2026-01: Anna evaluates this call\nCERV\nurbact:call-for-transfer"}
    by_start = gates.conflict_gate(call(identifier="HORIZON-CL2-2026-01-TRANSFO-03", programme="Horizon Europe"), profile)
    assert (by_start.gate, by_start.passed) == ("conflict", False)
    assert by_start.reason == "Conflict declared in the profile for horizon-cl2-2026-01: Anna evaluates this call"
    by_programme = gates.conflict_gate(call(identifier="CERV-2026-CHILD", programme="cerv"), profile)
    assert by_programme.reason == "Conflict declared in the profile for CERV"
    assert gates.conflict_gate(call(identifier="urbact:call-for-transfer-2026", programme="URBACT"), profile)
    # Another call of the same cluster, and a programme whose name only starts the same, are not named.
    assert gates.conflict_gate(call(identifier="HORIZON-CL2-2026-02-DEMOCRACY-01", programme="Horizon Europe"),
                               profile) is None
    assert gates.conflict_gate(call(identifier="EU-CERVX-1", programme="CERVX"), profile) is None
    assert "conflict" in [g.gate for g in gates.screen(call(identifier="CERV-2026-CHILD", programme="CERV"),
                                                       profile, TODAY)]
    assert "conflict" not in [g.gate for g in gates.screen(call(identifier="LIFE-2026", programme="LIFE"),
                                                           PROFILE, TODAY)]  # nothing declared, no gate shown


def test_declared_conflicts_are_refused_when_a_line_could_not_name_a_call():
    from store.profiles import MAX_CONFLICTS, conflicts_problem, declared_conflicts

    assert declared_conflicts("CERV: a: b\n\n  urbact:call-x  \nEDF:") == [("CERV", "a: b"), ("urbact:call-x", ""),
                                                                            ("EDF", "")]
    assert conflicts_problem("CERV: Anna evaluates\nurbact:call-x") is None
    assert "'HO: typo' does not" in conflicts_problem("CERV\nHO: typo")  # would screen out most of Horizon
    assert "': Anna' does not" in conflicts_problem(": Anna")
    assert f"at most {MAX_CONFLICTS} conflicts" in conflicts_problem("\n".join(f"CALL-{i}" for i in range(51)))
    assert "at most 300 characters" in conflicts_problem("CERV: " + "x" * 300)


def test_unknown_grant_size_is_not_small():
    gate = gates.size_gate(call(), PROFILE)
    assert gate.passed and "not treated as small" in gate.reason


def test_small_topic_budget_fails_when_no_grant_size_is_given():
    assert not gates.size_gate(call(topic_budget=Decimal("100000")), PROFILE).passed


def test_call_limited_to_another_country_is_not_eligible():
    gate = gates.eligibility_gate(call(eligibility={"countries": ["ZA"]}), PROFILE)
    assert (gate.passed, gate.reason) == (False, "Open only to organisations established in South Africa")
    # A EuropeAid call's country by name; Kosovo, which has no ISO code, too.
    for codes, named in ((["GQ"], "Equatorial Guinea"), (["XK", "MK"], "Kosovo, North Macedonia")):
        assert gates.eligibility_gate(call(eligibility={"countries": codes}), PROFILE).reason.endswith(named)
    wide = call(eligibility={"countries": ["DE", "FR", "NO"], "area": "EU27, Norway, Switzerland"})
    gate = gates.eligibility_gate(wide, {**PROFILE, "countries": ["GB"]})
    assert gate.reason == "Open only to organisations established in EU27, Norway, Switzerland"


def test_call_in_the_profiles_country_is_eligible():
    assert gates.eligibility_gate(call(eligibility={"countries": ["LV"]}), PROFILE).passed


def test_call_for_other_kinds_of_organisation_is_not_eligible():
    urbact = call(eligibility={"countries": ["LV", "EE"], "area": "EU Member States",
                               "applicant_types": ["public", "academic"]})
    gate = gates.eligibility_gate(urbact, {**PROFILE, "organisation_types": ["ngo"]})
    assert (gate.passed, gate.reason) == (
        False, "Open only to these kinds of applicant: public body, higher education (the profile's: NGO)")
    gate = gates.eligibility_gate(urbact, {**PROFILE, "organisation_types": ["ngo", "public"]})
    assert (gate.passed, gate.reason) == (True, "Programme area: EU Member States; applicants: public body, higher education")
    # A profile that does not say what kind of organisation it is is not screened out on a guess.
    assert gates.eligibility_gate(urbact, PROFILE).passed
    # The country rule still comes first.
    assert "established in EU Member States" in gates.eligibility_gate(
        urbact, {"countries": ["SE"], "organisation_types": ["public"]}).reason


def test_topic_family_leaves_out_years_and_numbers():
    assert code_tokens("HORIZON-CL2-2027-01-DEMOCRACY-03") == ["HORIZON", "CL2", "DEMOCRACY"]
    assert family("MSCA-IF-2019", 2) == "MSCA-IF"
    assert family("SC5", 2) is None


def test_history_counts_past_topics_in_the_programme_its_part_and_its_strand():
    past = ["HORIZON-CL2-2023-DEMOCRACY-01", "HORIZON-CL2-2024-HERITAGE-02", "HORIZON-CL5-2023-D1-01",
            "ERASMUS-EDU-2024-PEX-COVE"]
    found = history(["HORIZON-CL2-2027-01-DEMOCRACY-03", "HORIZON-CL2-2027-01-TRANSFO-01", "CERV-2026-CIV", None], past)
    assert found["family1"].tolist() == [0.75, 0.75, 0.0, 0.0]
    assert found["family2"].tolist() == [0.5, 0.5, 0.0, 0.0]
    assert found["family3"].tolist() == [0.25, 0.0, 0.0, 0.0]  # only DEMOCRACY is a strand it worked in


def test_long_text_is_split_into_readable_passages():
    pieces = passages(" ".join(f"w{i}" for i in range(320)), max_words=150)
    assert [len(p.split()) for p in pieces] == [150, 150, 20]


def test_semantic_takes_each_candidates_best_passage_per_profile_item():
    profile = np.array([[1.0, 0.0], [0.0, 1.0]])
    # candidate 0: one passage; candidate 1: two passages, each matching one profile item
    stacked = np.array([[0.6, 0.8], [1.0, 0.0], [0.0, 1.0]])
    scores, per_item, lift = semantic(stacked, np.array([0, 1]), profile, top_k=2)
    assert per_item.tolist() == [[0.6, 0.8], [1.0, 1.0]]
    assert np.allclose(lift, [[-0.2, -0.1], [0.2, 0.1]])  # less each item's average over the candidates
    assert np.allclose(scores, [-0.15, 0.15])


def test_semantic_discounts_a_profile_item_that_resembles_every_candidate():
    generic, specific = [1.0, 0.0], [0.0, 1.0]
    # Both candidates resemble the generic item; only the second resembles the specific one.
    candidates = np.array([[0.95, 0.0], [0.85, 0.7]])
    scores, per_item, _ = semantic(candidates, np.array([0, 1]), np.array([generic, specific]), top_k=1)
    assert per_item[0].max() > per_item[1].max()  # by plain best cosine the first would win
    assert scores[1] > scores[0]


def test_shared_keywords_ignore_stop_words():
    assert shared_keywords("social innovation in the Baltic", "The social economy and innovation") == ["social", "innovation"]


def test_an_explanations_passage_is_cut_between_words_and_says_so():
    from matcher.ranking import excerpt

    text = "Participation in public-policy making is a lifelong process " * 10
    short = excerpt(text, limit=100)
    assert short.endswith("…") and len(short) <= 101
    assert text.startswith(short[:-1]) and text[len(short) - 1] == " "  # the cut falls on a space
    assert excerpt("Short passage.", limit=100) == "Short passage."
    assert excerpt("in the middle of a sentence.", limit=100) == "…in the middle of a sentence."


def test_the_suggested_consortium_first_takes_who_adds_both_a_sector_and_a_country():
    from scipy import sparse

    from matcher.partners import PartnerIndex, PartnerRanking, suggest_consortium

    # The consortium: a Latvian NGO. Candidates best-scored first; the Greek entry is CORDIS's "EL".
    rows = [("SIC", "LV", "ngo"), ("Uni Tartu", "EE", "academic"), ("Uni Vilnius", "LT", "academic"),
            ("Uni Riga", "LV", "academic"), ("Riga City", "LV", "public"), ("Athens Lab", "EL", "research"),
            ("Patras Lab", "GR", "research"), ("Tallinn Co", "EE", "private")]
    n = len(rows)
    index = PartnerIndex(list(range(n)), [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                         [], [], [], sparse.csr_matrix((n, 0)), sparse.csr_matrix((n, 0)), np.zeros((0, 384)))
    scores = np.array([-np.inf, 8, 7, 6, 5, 4, 3, 2], float)
    ranking = PartnerRanking(np.argsort(-scores, kind="stable"), scores, {"outside_area": np.zeros(n), "other_kind": np.zeros(n)})
    chosen = [rows[p][0] for p in suggest_consortium(index, ranking, [0], size=4)]
    # Tartu adds a sector and a country; then Athens Lab does (research, Greece) though Vilnius is better
    # scored (it adds a country only); then Vilnius and Riga City (public), each adding one, by score.
    assert chosen == ["Uni Tartu", "Athens Lab", "Uni Vilnius", "Riga City"]
    # With room, Tallinn Co adds a sector (private); Patras Lab adds nothing (Greece is in, as "EL"), and
    # the rest fill by score.
    chosen = [rows[p][0] for p in suggest_consortium(index, ranking, [0], size=7)]
    assert chosen == ["Uni Tartu", "Athens Lab", "Uni Vilnius", "Riga City", "Tallinn Co", "Uni Riga", "Patras Lab"]


def test_partner_fit_keeps_a_negative_best_similarity_below_zero():
    from scipy import sparse

    from matcher.partners import PartnerIndex, rank

    # Far has one project opposite to the call, Near one along it, Both has both, None has none left.
    membership = sparse.csr_matrix(np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]], np.float32))
    topics = np.array([[-0.6, 0.8], [0.8, 0.6], [0.0, 1.0]], np.float32)
    index = PartnerIndex([1, 2, 3, 4], ["Far", "Near", "Both", "None"], [None] * 4, [None] * 4, [10, 11, 12],
                         [None] * 3, ["a", "b", "c"], membership, sparse.csr_matrix(membership.shape), topics)
    call = np.array([1.0, 0.0], np.float32)
    semantic = rank(index, None, call, []).signals["semantic"]
    assert np.allclose(semantic[:3], [-0.6, 0.8, 0.8])
    assert rank(index, None, call, [], leave_out_project=2).signals["semantic"][3] == 0.0


def test_a_partner_that_confirmed_joining_our_earlier_consortia_ranks_as_one_we_worked_with():
    from scipy import sparse

    from matcher.partners import PartnerIndex, reasons, rank

    # Two organisations alike in every way the partner data tells (one project each, the same topic).
    membership = sparse.csr_matrix(np.array([[1, 0], [0, 1]], np.float32))
    topics = np.array([[1.0, 0.0], [1.0, 0.0]], np.float32)
    index = PartnerIndex([1, 2], ["Alpha", "Beta"], [None] * 2, [None] * 2, [10, 11], [None] * 2, ["a", "b"],
                         membership, sparse.csr_matrix(membership.shape), topics)
    call = np.array([1.0, 0.0], np.float32)
    alike = rank(index, None, call, [])
    assert alike.scores[0] == alike.scores[1] and list(alike.positions) == [0, 1]
    # Beta confirmed joining two of the applicant's consortia: it goes first, weighed as the network weighs.
    ours = rank(index, None, call, [], with_us={1: 2})
    assert list(ours.positions) == [1, 0]
    assert np.isclose(ours.scores[1] - ours.scores[0], 2.0 * np.log1p(2))
    assert "confirmed joining 2 earlier consortia of ours" in reasons(index, ours, 1, None)
    assert not any("of ours" in line for line in reasons(index, ours, 0, None))


def test_recall_intervals_resample_whole_clusters_and_hold_the_figure():
    from matcher.evaluate import recall_intervals

    # 100 queries, 40 hits: in 10 clusters that hit or miss together, or in 100 independent ones.
    ranks = {"callmatch": [1] * 40 + [99] * 60, "baseline": [1] * 20 + [99] * 80}
    together = recall_intervals(ranks, [q // 10 for q in range(100)], "baseline", "organisations")
    apart = recall_intervals(ranks, list(range(100)), "baseline", "organisations")
    for result in (together, apart):
        low, high = result["methods"]["callmatch"]
        assert low < 0.4 < high
        assert result["lead"][0] < 0.2 < result["lead"][1]
    width = {name: r["methods"]["callmatch"][1] - r["methods"]["callmatch"][0] for name, r in
             (("together", together), ("apart", apart))}
    assert width["together"] > 2 * width["apart"]
    assert recall_intervals(ranks, list(range(100)), "baseline", "organisations") == apart  # seeded
    same = recall_intervals({"callmatch": [1, 50, 3], "baseline": [1, 50, 3]}, [1, 2, 3], "baseline", "projects")
    assert same["lead"] == [0.0, 0.0]
