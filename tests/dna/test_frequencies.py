"""Frequency tables: the published file, an administrator's upload with errors by line, the
minimum allele frequency and the renormalisation policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.dna.frequencies import TableError, read_table

SHARED = Path("/work/shared/data/str-frequencies/fbi-extended-caucasian-2024.csv")


def test_the_published_table_loads_with_its_autosomal_markers_only():
    table = read_table(SHARED.read_bytes())
    assert len(table.markers) == 23
    assert "VWA" in table.markers and "PENTA_E" in table.markers
    assert not {"AMEL", "YINDEL", "DYS391", "DYS570", "DYS576"} & set(table.markers)
    assert table.markers["TH01"].sample_size == 404
    assert table.minimum_frequency("TH01") == pytest.approx(5 / 808)
    locus = table.locus("TH01")
    assert locus.p.sum() == pytest.approx(1)
    assert "1" not in locus.alleles  # zero rows of the published table are not alleles here


def test_an_unseen_allele_gets_the_minimum_frequency_and_the_column_is_rescaled():
    data = b"Allele,TPOX\n8,0.6\n9,0.4\n10,0\nN,100\n"
    table = read_table(data)
    locus = table.locus("TPOX", observed=["10", "13"])
    assert locus.alleles == ("8", "9", "10", "13")
    floor = 5 / 200
    total = 1 + 2 * floor
    assert list(locus.p) == pytest.approx([0.6 / total, 0.4 / total, floor / total, floor / total])


def test_a_semicolon_table_with_decimal_commas_and_a_set_minimum():
    table = read_table(b"Allele;vWA\n16;0,5\n17;0,5\n", minimum=0.01)
    assert table.markers["VWA"].frequencies == {"16": 0.5, "17": 0.5}
    assert table.markers["VWA"].sample_size is None
    assert table.minimum_frequency("VWA") == 0.01


def test_errors_name_their_lines():
    data = (
        b"Allele,TPOX,vWA,TPOX\n"  # line 1: TPOX twice
        b"8,0.5,0.5\n"
        b"9,half,0.5\n"  # line 3: not a number
        b"9,0.5,0\n"  # line 4: allele twice
        b"OL,0.1,0\n"  # line 5: not an allele
        b"10,1.5,0\n"  # line 6: out of range
        b"N,many,100\n"  # line 7
    )
    with pytest.raises(TableError) as caught:
        read_table(data)
    problems = caught.value.problems
    assert "line 1: marker 'TPOX' appears twice" in problems
    assert "line 3: TPOX 9: not a number: 'half'" in problems
    assert "line 4: allele 9 appears twice" in problems
    assert any(p.startswith("line 5: 'OL' is not an allele") for p in problems)
    assert "line 6: TPOX 10: 1.5 is not in 0..1" in problems
    assert "line 7: N for TPOX is not a number: 'many'" in problems


def test_a_column_that_does_not_sum_to_one_is_refused():
    with pytest.raises(TableError, match=r"TPOX: frequencies sum to 0\.800"):
        read_table(b"Allele,TPOX\n8,0.5\n9,0.3\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "line 1: the file is empty"),
        (b"Marker,TPOX\n8,1\n", "line 1: the first column must be headed 'Allele'"),
        (b"Allele,AMEL\nX,1\n", "line 1: no autosomal marker columns"),
        (b"Allele,TPOX\n\xff\xfe,1\n", "line 1: not UTF-8 text"),
        (b"Allele,TPOX\n8,1,2\n", "line 2: 3 cells for 2 columns"),
    ],
)
def test_unusable_files(data, message):
    with pytest.raises(TableError, match=message):
        read_table(data)
