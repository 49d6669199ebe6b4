"""Check characters for hand-typed references (Crockford base32 + Damm)."""

import re

import pytest

from arrival.registry import checkchar
from arrival.registry.checkchar import (
    ALPHABET,
    add_check_char,
    check_char,
    new_reference,
    normalise_ref,
    verify,
)

SAMPLE_BODIES = ["H7K3M9QX2", "0", "ZZZZ", "P00000001", "A1B2C3D4E5F6", "HXYZ0123456789"]


def substitutions(ref):
    for position, original in enumerate(ref):
        for replacement in ALPHABET:
            if replacement != original:
                yield ref[:position] + replacement + ref[position + 1 :]


def adjacent_transpositions(ref):
    for position in range(len(ref) - 1):
        a, b = ref[position], ref[position + 1]
        if a != b:
            yield ref[:position] + b + a + ref[position + 2 :]


def test_alphabet_is_crockford_base32_without_confusable_letters():
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


@pytest.mark.parametrize("body", SAMPLE_BODIES)
def test_a_reference_with_its_check_char_verifies(body):
    assert verify(add_check_char(body))


@pytest.mark.parametrize("body", SAMPLE_BODIES)
def test_detects_every_single_character_substitution(body):
    ref = add_check_char(body)
    undetected = [typo for typo in substitutions(ref) if verify(typo)]
    assert undetected == []


@pytest.mark.parametrize("body", SAMPLE_BODIES)
def test_detects_every_adjacent_transposition_including_the_check_char(body):
    ref = add_check_char(body)
    undetected = [typo for typo in adjacent_transpositions(ref) if verify(typo)]
    assert undetected == []


def test_the_quasigroup_is_totally_anti_symmetric():
    # (c∘x)∘y ≠ (c∘y)∘x for x ≠ y: the property that catches every adjacent swap.
    table = checkchar._TABLE
    for c in range(32):
        for x in range(32):
            for y in range(x + 1, 32):
                assert table[table[c][x]][y] != table[table[c][y]][x]


def test_every_row_and_column_of_the_quasigroup_is_a_permutation():
    # The property that catches every single substitution.
    table = checkchar._TABLE
    assert all(sorted(row) == list(range(32)) for row in table)
    assert all(sorted(col) == list(range(32)) for col in zip(*table))


@pytest.mark.parametrize(
    "typed, normalised",
    [
        ("h-7k3m-9qx2", "H7K3M9QX2"),
        ("H 7K3M 9QX2", "H7K3M9QX2"),
        ("IL0O", "1100"),
        ("io-li", "1011"),
        ("  ab\u2013cd ", "ABCD"),
    ],
)
def test_normalise_ref_reads_case_hyphens_spaces_and_confusables(typed, normalised):
    assert normalise_ref(typed) == normalised


@pytest.mark.parametrize("typed", ["HU7", "H*7", "H_7", "H7Ä"])
def test_normalise_ref_refuses_characters_outside_the_alphabet(typed):
    with pytest.raises(ValueError, match="not allowed"):
        normalise_ref(typed)


def test_verify_accepts_confusables_lower_case_and_formatting():
    ref = add_check_char("H10M")
    typed = "h-" + ref[1:].replace("1", "l").replace("0", "o").lower()
    assert verify(typed)


@pytest.mark.parametrize("ref", ["", "-", "A", "HU7K", "H*7K"])
def test_verify_is_false_for_empty_short_or_malformed_input(ref):
    assert verify(ref) is False


def test_check_char_of_an_empty_body_is_refused():
    with pytest.raises(ValueError):
        check_char("--")


def test_add_check_char_appends_one_character_from_the_alphabet():
    ref = add_check_char("h-7k3m")
    assert ref[:-1] == "H7K3M"
    assert ref[-1] in ALPHABET


def test_new_reference_is_grouped_readable_and_verifies():
    ref = new_reference("H")
    assert re.fullmatch(r"H-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", ref)
    assert set(normalise_ref(ref)) <= set(ALPHABET)
    assert verify(ref)


def test_new_reference_without_prefix():
    ref = new_reference("", random_bits=20)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]", ref)
    assert verify(ref)


def test_new_reference_check_char_covers_the_prefix():
    ref = new_reference("H")
    assert not verify("K" + ref[1:])


@pytest.mark.parametrize("bits, random_chars", [(40, 8), (41, 9), (5, 1), (128, 26)])
def test_new_reference_carries_at_least_the_requested_random_bits(bits, random_chars):
    ref = new_reference("P", random_bits=bits)
    assert len(normalise_ref(ref)) == 1 + random_chars + 1


def test_new_references_are_random():
    refs = {new_reference("H") for _ in range(200)}
    assert len(refs) == 200


@pytest.mark.parametrize("prefix", ["U", "h", "I", "H-"])
def test_new_reference_refuses_a_prefix_outside_the_alphabet(prefix):
    with pytest.raises(ValueError):
        new_reference(prefix)


def test_new_reference_refuses_zero_random_bits():
    with pytest.raises(ValueError):
        new_reference("H", random_bits=0)
