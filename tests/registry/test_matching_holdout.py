"""The held-out labelled set (tests/registry/matching_holdout.py) keeps its promises."""

from tests.registry.matching_dataset import RECORD_KEYS
from tests.registry.matching_holdout import HOLDOUT_NEGATIVE, HOLDOUT_POSITIVE, holdout_pairs


def test_deterministic_balanced_and_of_the_shared_record_shape():
    pairs = holdout_pairs(200, 100, seed=5)
    assert pairs == holdout_pairs(200, 100, seed=5) != holdout_pairs(200, 100, seed=6)
    assert sum(label for _, _, label, _ in pairs) == 200 and len(pairs) == 300
    for a, b, label, scenario in pairs:
        assert scenario in (HOLDOUT_POSITIVE if label else HOLDOUT_NEGATIVE)
        assert tuple(sorted(a)) == tuple(sorted(b)) == tuple(sorted(RECORD_KEYS))


def test_shares_nothing_with_the_tuning_set_but_the_record_shape():
    import tests.registry.matching_holdout as holdout

    source = open(holdout.__file__, encoding="utf-8").read()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in imports if "arrival" in line or "tests" in line], imports


def test_negative_pairs_never_share_a_document_and_namesakes_differ_in_family_name():
    for a, b, label, scenario in holdout_pairs(100, 400, seed=11):
        if not label:
            assert not a["document_number"] or a["document_number"] != b["document_number"]
        if scenario == "namesake_born_same_day":
            assert a["date_of_birth"] == b["date_of_birth"] and a["sex"] == b["sex"]
            assert a["document_type"] == b["document_type"] != ""
