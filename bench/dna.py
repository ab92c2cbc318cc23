"""DNA identification benchmark: simulated remains screened against simulated families.

    PYTHONPATH=. .venv/bin/python bench/dna.py              # 6,000 remains x 10,000 families
    PYTHONPATH=. .venv/bin/python bench/dna.py --remains 600 --missing 1000   # a quick run

Simulation (allele frequencies of /work/shared/data/str-frequencies, all 23 autosomal markers):
each missing person (MP) has untyped parents, and a family of one to three reference samples
drawn from mother, father, full sibling, half sibling, child (with the child's other parent,
typed, one time in two). Every parent-child transmission mutates by one repeat step with
probability 0.002 per locus. 1 % of references are mislabelled (their profile is an unrelated
person's). The remains are a random subset of the MPs, with 5 % of loci dropped out.

The other evidence (app.dna.evidence), simulated beside the DNA: each MP is a person of
bench/synth.py (name, patronymic, sex, an adult's date of birth, a place); their case is written
as a case of synth, with its noise. The other side's papers on the remains: no name one time in
two, else the MP's name as another source writes it (Russian or Ukrainian spelling, typos,
diminutives) with probability 0.7 and someone else's name with 0.3; the sex, right 97 %,
unknown 2 %, wrong 1 %; an age range of ten years around the age at death (the age on the
recovery date less up to five years lying, with an error of 4 years SD), 3 % a wrong estimate;
the recovery place in the MP's own oblast one time in four, else anywhere. The ten best
families of each remains by DNA are given their other evidence and re-ranked.

Figures: the share of true identifications proposed (the remains' own family in the
'proposed' band), false proposals (any other family proposed), 'possible' counts, the time to
prepare the families' tables and to screen all remains x all families, the memory peak, and the
ROC curve of all pairs (written to docs/dna-roc.svg).
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import Generator

from app.dna.evidence import CaseFacts, RemainsFacts, combine, other_evidence
from app.dna.frequencies import read_table
from app.dna.kinship import Family, Reference, Relationship, Settings
from app.dna.screening import (
    Thresholds,
    band,
    build_loci,
    encode_remains,
    posterior,
    prepare_families,
    score_blocks,
)
from app.matching.entities import Features, MatchEntity, prepare
from app.matching.parallel import available_cores
from app.matching.scoring import compare

ROOT = Path(__file__).resolve().parents[1]
TABLE = Path("/work/shared/data/str-frequencies/fbi-extended-caucasian-2024.csv")
R = Relationship
# Relationships of the reference samples (child includes, half the time, the other parent).
POOL = [R.MOTHER, R.FATHER, R.FULL_SIBLING, R.FULL_SIBLING, R.HALF_SIBLING, R.CHILD]
BINS = np.linspace(-60, 60, 1201)  # log10 LR histogram of the false pairs
TOP = 10  # families re-ranked with the other evidence, per remains
KEEP = 3  # what screening stores per remains (app.dna.screening.screen's keep)
RECOVERED = date(2026, 6, 1)


class Population:
    def __init__(self, loci, rng: np.random.Generator, mutation: float) -> None:
        self.loci = list(loci.values())
        self.rng = rng
        self.mutation = mutation

    def founders(self, count: int) -> np.ndarray:
        """(count, loci, 2) allele indices drawn from the frequencies."""
        out = np.empty((count, len(self.loci), 2), dtype=np.int16)
        for k, locus in enumerate(self.loci):
            out[:, k, :] = self.rng.choice(len(locus.p), size=(count, 2), p=locus.p)
        return out

    def children(self, mother: np.ndarray, father: np.ndarray) -> np.ndarray:
        count, loci, _ = mother.shape
        pick = self.rng.integers(0, 2, size=(count, loci, 2))
        child = np.stack(
            [
                np.take_along_axis(mother, pick[:, :, :1], axis=2)[:, :, 0],
                np.take_along_axis(father, pick[:, :, 1:], axis=2)[:, :, 0],
            ],
            axis=2,
        ).astype(np.int16)
        mutate = self.rng.random(child.shape) < self.mutation
        step = self.rng.choice([-1, 1], size=child.shape)
        sizes = np.array([len(locus.p) for locus in self.loci])[None, :, None]
        moved = np.clip(child + step, 0, sizes - 1)
        return np.where(mutate, moved, child).astype(np.int16)

    def profile(self, person: np.ndarray, drop: float = 0.0) -> dict[str, tuple[str, str]]:
        out = {}
        for k, locus in enumerate(self.loci):
            if drop and self.rng.random() < drop:
                continue
            a, b = sorted((int(person[k, 0]), int(person[k, 1])))
            out[locus.marker] = (locus.alleles[a], locus.alleles[b])
        return out


def simulate(args, rng: np.random.Generator):
    table = read_table(TABLE.read_bytes())
    base = {marker: table.locus(marker) for marker in sorted(table.markers)}
    pop = Population(base, rng, args.mutation)
    n = args.missing
    mother, father = pop.founders(n), pop.founders(n)
    mp = pop.children(mother, father)
    sibling = pop.children(mother, father)
    half = pop.children(mother, pop.founders(n))
    spouse = pop.founders(n)
    child = pop.children(mp, spouse)
    strangers = pop.founders(n)
    families, configurations = [], []
    mislabelled = 0
    for k in range(n):
        size = int(rng.integers(1, 4))
        chosen = sorted(
            {POOL[i] for i in rng.choice(len(POOL), size=size, replace=False)}, key=POOL.index
        )
        people = {
            R.MOTHER: mother,
            R.FATHER: father,
            R.FULL_SIBLING: sibling,
            R.HALF_SIBLING: half,
            R.CHILD: child,
        }
        refs = []
        for relationship in chosen:
            person = people[relationship][k]
            if rng.random() < args.mislabelled:
                person, mislabelled = strangers[int(rng.integers(0, n))], mislabelled + 1
            refs.append(Reference(f"{k}-{relationship}", relationship, pop.profile(person)))
        if R.CHILD in chosen and rng.random() < 0.5:
            refs.append(Reference(f"{k}-spouse", R.SPOUSE, pop.profile(spouse[k])))
        families.append(Family(f"F{k}", tuple(refs)))
        configurations.append("+".join(str(r.relationship) for r in refs))
    picked = rng.choice(n, size=args.remains, replace=False)
    remains = [pop.profile(mp[k], drop=args.dropout) for k in picked]
    return table, families, configurations, remains, picked, mislabelled


@dataclass
class Claims:
    """The other evidence of the simulation: each family's case, each remains' papers."""

    cases: list[CaseFacts]
    case_names: list[Features]
    remains: list[RemainsFacts]
    remains_names: list[Features | None]
    wrong_names: int


def _names_only(entity: MatchEntity) -> Features:
    return prepare(
        MatchEntity(entity.key, entity.family_name, entity.given_name, entity.patronymic)
    )


def simulate_claims(n: int, picked: np.ndarray, seed: int) -> Claims:
    gen = Generator(seed)
    rng = gen.rng
    people = [
        gen.person(dob=date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)))
        for _ in range(n)
    ]
    cases, case_names = [], []
    for k, person in enumerate(people):
        written = gen.as_case(person, ("case", k))
        cases.append(
            CaseFacts(
                sex=written.sex or "",
                dob_year=written.dob_year,
                dob_month=written.dob_month,
                dob_day=written.dob_day,
                places=written.places,
            )
        )
        case_names.append(_names_only(written))
    remains, remains_names, wrong = [], [], 0
    for r, k in enumerate(picked):
        person = people[int(k)]
        entity = None
        if rng.random() < 0.5:
            other = person
            if rng.random() < 0.3:
                other, wrong = gen.person(), wrong + 1
            entity = gen.as_record(other, ("remains", r), rng.choice(["ru", "uk"]))
        roll = rng.random()
        sex = "male" if person.sex == "m" else "female"
        if roll < 0.02:
            sex = "unknown"
        elif roll < 0.03:
            sex = "female" if sex == "male" else "male"
        lying = timedelta(days=rng.randint(0, 5 * 365))
        at_death = (RECOVERED - lying - person.dob).days / 365.25
        centre = rng.gauss(at_death, 4) if rng.random() >= 0.03 else rng.uniform(18, 70)
        place = person.place if rng.random() < 0.25 else gen.person().place
        claimed = (entity.family_name, entity.given_name, entity.patronymic) if entity else ()
        remains.append(
            RemainsFacts(
                sex=sex,
                age_min=max(0, round(centre - 5)),
                age_max=max(0, round(centre + 5)),
                recovered_on=RECOVERED,
                recovery_region=place.uk,
                claimed_name=" ".join(claimed),
            )
        )
        remains_names.append(_names_only(entity) if entity else None)
    return Claims(cases, case_names, remains, remains_names, wrong)


@dataclass
class Ranked:
    dna_first: int = 0  # own family first by DNA among the TOP
    combined_first: int = 0  # ... by DNA and other evidence
    stored_dna_first: int = 0  # own family first among what screening stores (KEEP, LR >= 100)
    stored_combined_first: int = 0
    true_proposed: int = 0  # after the combination
    true_flagged: int = 0  # DNA proposed, contradicted: a pair to review
    false_proposed: int = 0  # after the combination
    false_flagged: int = 0


def rerank(
    claims: Claims,
    truth: np.ndarray,
    top_columns: np.ndarray,
    top_scores: np.ndarray,
    prior: float,
    thresholds: Thresholds,
) -> Ranked:
    """Each remains' TOP families by DNA, with the other evidence, as screening ranks them."""
    out = Ranked()
    floor = math.log10(thresholds.possible_lr)
    for r, own in enumerate(truth):
        rows = []
        claimed = claims.remains_names[r]
        for column, dna in zip(top_columns[r], top_scores[r], strict=True):
            column, dna = int(column), float(dna)
            bits = compare(claims.case_names[column], claimed).bits if claimed else None
            notes = other_evidence(claims.remains[r], claims.cases[column], bits)
            dna_band = band(dna, float(posterior(dna, prior)), thresholds).value
            rows.append((column, dna, combine(dna, dna_band, notes)))
        by_dna = sorted(rows, key=lambda row: -row[1])
        by_both = sorted(rows, key=lambda row: -row[2].log10_lr)
        out.dna_first += by_dna[0][0] == own
        out.combined_first += by_both[0][0] == own
        stored = [row for row in by_dna[:KEEP] if row[1] >= floor]
        if stored:
            out.stored_dna_first += stored[0][0] == own
            out.stored_combined_first += max(stored, key=lambda row: row[2].log10_lr)[0] == own
        for column, _dna, combined in rows:
            true = column == own
            if combined.band == "proposed":
                out.true_proposed += true
                out.false_proposed += not true
            if combined.flag:
                out.true_flagged += true
                out.false_flagged += not true
    return out


def roc_svg(
    true_scores: np.ndarray,
    false_hist: np.ndarray,
    path: Path,
    marked: list[tuple[float, str]],
) -> None:
    """TPR against FPR (log scale) over every LR threshold of the histogram's bins."""
    false_total = false_hist.sum()
    edges = BINS[:-1]
    # Pairs at or above each bin edge.
    false_above = np.cumsum(false_hist[::-1])[::-1]
    true_above = np.array([(true_scores >= edge).mean() for edge in edges])
    fpr = np.maximum(false_above / false_total, 1e-9)
    width, height, left, bottom = 520, 360, 60, 40

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            left + (math.log10(x) + 9) / 9 * (width - left - 20),
            height - bottom - y * (height - bottom - 20),
        )

    points = [f"{px:.1f},{py:.1f}" for px, py in map(place, fpr, true_above)]
    marks = []
    for threshold, label in marked:  # the default thresholds, as dots on the curve
        k = int(np.searchsorted(edges, math.log10(threshold) - 1e-9))
        px, py = place(fpr[k], true_above[k])
        marks.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="#c0392b"/>'
            f'<text x="{px + 6:.1f}" y="{py + 16:.1f}" font-size="11">{label}</text>'
        )
    ticks = "".join(
        f'<text x="{left + (e + 9) / 9 * (width - left - 20):.0f}" y="{height - 20}" '
        f'font-size="11" text-anchor="middle">1e{e}</text>'
        for e in range(-9, 1, 3)
    )
    yticks = "".join(
        f'<text x="{left - 8}" y="{height - bottom - v * (height - bottom - 20) + 4:.0f}" '
        f'font-size="11" text-anchor="end">{v:g}</text>'
        for v in (0, 0.25, 0.5, 0.75, 1.0)
    )
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">\n'
        f'<rect width="{width}" height="{height}" fill="white"/>\n'
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 20}" y2="{height - bottom}" '
        'stroke="black"/>\n'
        f'<line x1="{left}" y1="20" x2="{left}" y2="{height - bottom}" stroke="black"/>\n'
        f"{ticks}{yticks}\n"
        f'<text x="{(width + left) / 2}" y="{height - 4}" font-size="12" text-anchor="middle">'
        "false positive rate (all unrelated pairs, log scale; 1e-9 = none)</text>\n"
        f'<text x="14" y="{height / 2}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {height / 2})">true positive rate</text>\n'
        f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{" ".join(points)}"/>\n'
        f"{''.join(marks)}\n"
        "</svg>\n",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--remains", type=int, default=6000)
    parser.add_argument("--missing", type=int, default=10000)
    parser.add_argument("--mislabelled", type=float, default=0.01)
    parser.add_argument("--mutation", type=float, default=0.002)
    parser.add_argument("--dropout", type=float, default=0.05)
    parser.add_argument("--theta", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--processes", type=int, default=0, help="for the families' tables; 0: every core"
    )
    parser.add_argument("--svg", type=Path, default=ROOT / "docs" / "dna-roc.svg")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    started = time.perf_counter()
    table, families, configurations, remains, truth, mislabelled = simulate(args, rng)
    simulated = time.perf_counter() - started
    settings = Settings(theta=args.theta, mutation_rate=args.mutation)
    thresholds = Thresholds()
    prior = 1 / args.missing

    started, cpu = time.perf_counter(), time.process_time()
    every = [ref.profile for family in families for ref in family.references] + remains
    loci = build_loci(table, every)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    processes = args.processes or available_cores()
    tables = prepare_families(families, loci, settings, processes=processes)
    codes = encode_remains(remains, tables)
    prepared, prepared_cpu = time.perf_counter() - started, time.process_time() - cpu
    # The forked processes' CPU too (they have ended: prepare_families waits for them).
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    prepared_cpu += (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    assert not tables.skipped, tables.skipped

    started, cpu = time.perf_counter(), time.process_time()
    true_scores = np.empty(len(remains))
    best = np.empty(len(remains), dtype=np.intp)
    best_score = np.empty(len(remains))
    false_hist = np.zeros(len(BINS) - 1, dtype=np.int64)
    false_proposed = false_possible = 0
    top_columns = np.empty((len(remains), TOP), dtype=np.intp)
    top_scores = np.empty((len(remains), TOP))
    proposed_floor = math.log10(thresholds.proposed_lr)
    possible_floor = math.log10(thresholds.possible_lr)
    for start, scores in score_blocks(codes, tables):
        rows = np.arange(scores.shape[0])
        own = truth[start : start + scores.shape[0]]
        true_scores[start : start + len(rows)] = scores[rows, own]
        best[start : start + len(rows)] = scores.argmax(axis=1)
        best_score[start : start + len(rows)] = scores.max(axis=1)
        top = np.argpartition(-scores, TOP - 1, axis=1)[:, :TOP]
        top_columns[start : start + len(rows)] = top
        top_scores[start : start + len(rows)] = np.take_along_axis(scores, top, axis=1)
        scores[rows, own] = np.nan  # leave only the unrelated pairs
        unrelated = scores[~np.isnan(scores)]
        false_hist += np.histogram(np.clip(unrelated, -60, 59.99), BINS)[0]
        post = posterior(unrelated, prior)
        false_proposed += int(
            ((unrelated >= proposed_floor) & (post >= thresholds.proposed_posterior)).sum()
        )
        false_possible += int(((unrelated >= possible_floor) & (unrelated < proposed_floor)).sum())
    screened, screened_cpu = time.perf_counter() - started, time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    claims = simulate_claims(args.missing, truth, args.seed)
    ranked = rerank(claims, truth, top_columns, top_scores, prior, thresholds)
    weighed, weighed_cpu = time.perf_counter() - started, time.process_time() - cpu

    true_post = posterior(true_scores, prior)
    proposed = (true_scores >= proposed_floor) & (true_post >= thresholds.proposed_posterior)
    possible = (true_scores >= possible_floor) & ~proposed
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by_config: dict[str, list[int]] = {}
    for k, hit in zip(truth, proposed, strict=True):
        by_config.setdefault(configurations[k], [0, 0])
        by_config[configurations[k]][0] += int(hit)
        by_config[configurations[k]][1] += 1
    # At this prior the posterior condition may ask for more than the LR threshold.
    post = thresholds.proposed_posterior
    needed = max(thresholds.proposed_lr, post / (1 - post) * (1 - prior) / prior)
    marked = [
        (needed, f"proposed (LR {needed:.2g})"),
        (thresholds.possible_lr, f"LR {thresholds.possible_lr:g}"),
    ]
    roc_svg(true_scores, false_hist, args.svg, marked)

    pairs = len(remains) * len(families)
    print(f"remains {len(remains):,} x families {len(families):,} = {pairs:,} pairs")
    print(f"loci {len(loci)}; theta {args.theta}; mutation {args.mutation}; dropout "
          f"{args.dropout:.0%}; mislabelled references {mislabelled}")  # fmt: skip
    print(f"thresholds: proposed LR >= {thresholds.proposed_lr:g} and posterior >= "
          f"{thresholds.proposed_posterior} (prior 1/{args.missing:,}); possible LR >= "
          f"{thresholds.possible_lr:g}")  # fmt: skip
    print(f"true identifications proposed: {proposed.sum():,} ({proposed.mean():.1%})")
    print(f"true pairs possible: {possible.sum():,} ({possible.mean():.1%})")
    print(f"own family ranked first: {(best == truth).mean():.1%}")
    print(f"false proposals: {false_proposed}; false possible: {false_possible:,}")
    print(f"time (wall / CPU): simulate {simulated:.1f} s; prepare the families' "
          f"tables in {processes} process(es) {prepared:.1f} / {prepared_cpu:.1f} s; "
          f"screen all pairs {screened:.1f} / "
          f"{screened_cpu:.1f} s; memory peak {peak_mb:,.0f} MB")  # fmt: skip
    count = len(remains)
    print(f"other evidence (names claimed wrongly on {claims.wrong_names} remains), the {TOP} "
          f"best families by DNA of each remains re-ranked ({weighed:.1f} s wall, "
          f"{weighed_cpu:.1f} s CPU):")  # fmt: skip
    print(f"  own family first among the {TOP}: DNA alone {ranked.dna_first / count:.1%}, "
          f"with the other evidence {ranked.combined_first / count:.1%}")  # fmt: skip
    print(f"  own family first among what screening stores (best {KEEP}, LR >= "
          f"{thresholds.possible_lr:g}): DNA alone {ranked.stored_dna_first / count:.1%}, with "
          f"the other evidence {ranked.stored_combined_first / count:.1%}")  # fmt: skip
    print(f"  true proposals after the combination: {ranked.true_proposed:,} (DNA alone "
          f"{proposed.sum():,}); flagged for review by a contradiction: "
          f"{ranked.true_flagged}")  # fmt: skip
    print(f"  false proposals after the combination: {ranked.false_proposed}; false pairs "
          f"flagged: {ranked.false_flagged}")  # fmt: skip
    print("proposed, by the family's references (the 15 commonest):")
    for config, (hits, total) in sorted(by_config.items(), key=lambda item: -item[1][1])[:15]:
        print(f"  {config:<48} {hits:>5} / {total:<5} {hits / total:6.1%}")
    print(f"ROC curve: {args.svg}")


if __name__ == "__main__":
    main()
