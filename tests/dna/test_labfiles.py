"""Laboratory exports, both layouts: profiles by sample number, problems by line."""

import pytest

from app.dna.labfiles import Layout, ProblemCode, read_lab_file


def test_long_form_with_semicolons_and_marker_spellings():
    data = (
        b"Sample Name;Marker;Allele 1;Allele 2\n"
        b"REF-1;vWA;17;14\n"
        b"REF-1;Penta E;12;\n"
        b"REF-1;AMEL;X;Y\n"
        b"\n"
        b"REF-2;D8S1179;13;13\n"
    )
    result = read_lab_file(data)
    assert result.layout is Layout.LONG
    assert result.profiles == {
        "REF-1": {"VWA": ("14", "17"), "PENTA_E": ("12", "12")},
        "REF-2": {"D8S1179": ("13", "13")},
    }
    assert result.lines == {"REF-1": 2, "REF-2": 6}
    assert result.problems == []
    assert result.sexes == {"REF-1": "male"}  # amelogenin: not in the profile, read as sex


def test_long_form_problems_carry_their_lines_and_keep_the_rest():
    data = (
        b"Sample,Marker,Allele 1,Allele 2,Allele 3\n"
        b"R1,TH01,9.3,OL,\n"
        b"R1,FGA,20,21,22\n"
        b",FGA,20,21,\n"
        b"R1,D21S11,29,30,\n"
        b"R1,D21S11,29,31,\n"
        b"R1,CSF1PO,10,12,\n"
    )
    result = read_lab_file(data)
    problems = [(p.line, p.code) for p in result.problems]
    assert problems == [
        (2, ProblemCode.BAD_ALLELE),
        (3, ProblemCode.TOO_MANY_ALLELES),
        (4, ProblemCode.NO_SAMPLE),
        (6, ProblemCode.CONFLICT),
    ]
    assert result.profiles["R1"] == {"D21S11": ("29", "30"), "CSF1PO": ("10", "12")}


def test_wide_form_in_each_column_spelling():
    underscores = "Sample;D8S1179_1;D8S1179_2;vWA_1;vWA_2\nB-7;13;14;16;\n"
    letters = "Sample,D8S1179 a,D8S1179 b,VWA a,VWA b\nB-7,13,14,16,\n"
    twice = "Sample,D8S1179,D8S1179,VWA,VWA\nB-7,13,14,16,16\n"
    for text in (underscores, letters, twice):
        result = read_lab_file(text.encode())
        assert result.layout is Layout.WIDE
        assert result.profiles == {"B-7": {"D8S1179": ("13", "14"), "VWA": ("16", "16")}}, text


def test_wide_form_keeps_penta_names_and_reports_bad_cells():
    data = b"Sample ID,Penta E_1,Penta E_2,Penta D,Penta D\nX1,5,17,9,x9\nX2,7,,,\n"
    result = read_lab_file(data)
    assert result.profiles == {"X1": {"PENTA_E": ("5", "17")}, "X2": {"PENTA_E": ("7", "7")}}
    assert [(p.line, p.code, p.sample) for p in result.problems] == [
        (2, ProblemCode.BAD_ALLELE, "X1")
    ]


def test_windows_1251_sample_numbers():
    data = "Зразок;Marker;Allele 1;Allele 2\nЗР-1;TPOX;8;11\n".encode("cp1251")
    # A Cyrillic header is not a sample column we know: refused, with the header's line.
    assert read_lab_file(data).problems[0].code is ProblemCode.NO_HEADER
    data = "Sample;Marker;Allele 1;Allele 2\nЗР-1;TPOX;8;11\n".encode("cp1251")
    assert read_lab_file(data).profiles == {"ЗР-1": {"TPOX": ("8", "11")}}


def test_a_file_without_a_sample_column_is_refused():
    result = read_lab_file(b"\n\nname,D8S1179\nx,12\n")
    assert result.layout is None
    assert [(p.line, p.code) for p in result.problems] == [(3, ProblemCode.NO_HEADER)]


def test_wide_form_columns_that_name_no_marker_are_reported_not_read():
    data = (
        b"Sample,Kit,D8S1179_1,D8S1179_2,Run date,TH01,TH01\n"
        b"S1,GlobalFiler,12,13,01.02.2026,6,9.3\n"
    )
    result = read_lab_file(data)
    assert result.profiles == {"S1": {"D8S1179": ("12", "13"), "TH01": ("6", "9.3")}}
    assert [(p.line, p.code, p.detail) for p in result.problems] == [
        (1, ProblemCode.IGNORED_COLUMN, "Kit"),
        (1, ProblemCode.IGNORED_COLUMN, "Run date"),
    ]


@pytest.mark.parametrize(
    "cells, sex",
    [("X;X", "female"), ("X;", "female"), ("X;Y", "male"), ("Y;", "male"), ("OL;", None)],
)
def test_amelogenin_is_read_as_the_sex(cells, sex):
    data = f"Sample;Marker;Allele 1;Allele 2\nRM-1;Amelogenin;{cells}\nRM-1;TH01;6;7\n"
    result = read_lab_file(data.encode())
    assert result.sexes.get("RM-1") == sex
    assert result.profiles == {"RM-1": {"TH01": ("6", "7")}}
