"""Marker names, alleles and profiles as laboratories write them."""

from __future__ import annotations

import pytest

from app.dna.markers import genotype, is_autosomal, normalize_marker, parse_allele, parse_profile


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("vWA", "VWA"),
        ("VWA", "VWA"),
        ("v WA", "VWA"),
        ("Penta E", "PENTA_E"),
        ("PentaE", "PENTA_E"),
        ("penta-d", "PENTA_D"),
        ("PENTA_D", "PENTA_D"),
        ("D8S1179", "D8S1179"),
        (" d21s11 ", "D21S11"),
        ("TH01", "TH01"),
        ("SE33", "SE33"),
    ],
)
def test_marker_names_are_normalised(raw, expected):
    assert normalize_marker(raw) == expected


@pytest.mark.parametrize("marker", ["AMEL", "Amelogenin", "DYS391", "Yindel", "DYS576"])
def test_amelogenin_and_y_markers_are_not_autosomal(marker):
    assert not is_autosomal(normalize_marker(marker))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("9.3", "9.3"), (" 10 ", "10"), ("10.0", "10"), ("010", "10"), ("x", "X"), ("33.2", "33.2")],
)
def test_alleles_are_parsed(raw, expected):
    assert parse_allele(raw) == expected


@pytest.mark.parametrize("raw", ["", "OL", "<8", "9.33", "nine", "10,5"])
def test_unreadable_alleles_are_refused(raw):
    with pytest.raises(ValueError, match="not an allele"):
        parse_allele(raw)


def test_genotypes_sort_numerically_and_a_single_allele_is_homozygous():
    assert genotype("10", "9.3") == ("9.3", "10")
    assert genotype("12") == ("12", "12")


def test_profiles_skip_amelogenin_y_and_blank_loci():
    profile = parse_profile(
        {
            "AMEL": "X,Y",
            "DYS391": "10",
            "vWA": "17, 16",
            "Penta E": ("7", "12"),
            "TH01": "9.3/9.3",
            "D8S1179": "",
            "FGA": None,
            "D21S11": "30",
        }
    )
    assert profile == {
        "VWA": ("16", "17"),
        "PENTA_E": ("7", "12"),
        "TH01": ("9.3", "9.3"),
        "D21S11": ("30", "30"),
    }


def test_a_marker_given_twice_must_agree():
    assert parse_profile({"vWA": "16,17", "VWA": "17,16"}) == {"VWA": ("16", "17")}
    with pytest.raises(ValueError, match="twice"):
        parse_profile({"vWA": "16,17", "VWA": "15,17"})
    with pytest.raises(ValueError, match="more than two"):
        parse_profile({"TPOX": ["8", "9", "10"]})
