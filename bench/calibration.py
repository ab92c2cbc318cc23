"""Are the scores probabilities at every list size? A reliability diagram at three sizes.

    .venv/bin/python bench/calibration.py                   # 500 cases x 20k, 200k, 1M records
    .venv/bin/python bench/calibration.py --sizes 20000 200000 --svg /tmp/r.svg

The same 500 cases (bench/synth.py: Cyrillic and Latin spellings, partial dates, siblings,
twins, namesakes) against lists that grow with strangers only, linked as a full run links
them (m learnt per source, then the prior from the run's own pairs). For each size it prints
the likely band's precision and recall, recall@5, the prior the run estimated against the one
the true pairs give, and a reliability table: pairs binned by score, the mean score of a bin
against the share of true pairs in it. It writes the diagram as an SVG image (one line per
size: on the diagonal, a score of p means p).

Capped pairs (siblings, namesakes: the rules that keep a pair out of the likely band, with the
score held at 0.6) are not probabilities but a call for a person to look; they are counted
apart.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matching import evaluate
from synth import Generator

from app.matching.engine import link
from app.matching.scoring import LIKELY

EDGES = (0.001, 0.05, 0.25, 0.5, 0.75, 0.9, 0.97, 0.99, 0.999, 1.0000001)
COLOURS = ("#1b6ca8", "#d9822b", "#3a9a4a", "#a83279")


def measure(cases: int, records: int, seed: int) -> dict:
    data = Generator(seed).dataset(cases, records)
    # Each partner list learns its own m, as in a full run of the product (without this, the
    # benchmark learnt one m for the three lists together).
    for record in data.records:
        record.source = data.sources[record.key]
    start = time.perf_counter()
    result = link(data.cases, data.records, threshold=EDGES[0], explain=True, learn_sources=True)
    seconds = time.perf_counter() - start
    truth = data.true_pairs
    scored = {k: [(c.right, c.score) for c in found] for k, found in result.candidates.items()}
    row = evaluate(f"{records:,}", scored, truth, LIKELY, seconds, result.compared)
    bins = [[0, 0.0, 0] for _ in EDGES[:-1]]  # pairs, sum of scores, true pairs
    capped = [0, 0]
    for found in result.candidates.values():
        for c in found:
            true = (c.left, c.right) in truth
            if c.match is not None and c.match.capped:
                capped[0] += 1
                capped[1] += true
                continue
            i = next(i for i, hi in enumerate(EDGES[1:]) if c.score < hi)
            bins[i][0] += 1
            bins[i][1] += c.score
            bins[i][2] += true
    oracle = math.log2(len(truth) / (cases * records - len(truth)))
    return {
        **row,
        "records": records,
        "prior": result.prior.bits,
        "estimated": result.prior.estimated_bits,
        "expected_true": result.prior.expected_true,
        "oracle": oracle,
        "true_pairs": len(truth),
        "bins": bins,
        "capped": capped,
    }


def svg(rows: list[dict]) -> str:
    """The reliability diagram: mean score (x) against observed share of true pairs (y)."""
    size, pad = 360, 48
    width, height = size + 2 * pad + 150, size + 2 * pad

    def x(p: float) -> float:
        return pad + p * size

    def y(p: float) -> float:
        return pad + (1 - p) * size

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<rect x="{pad}" y="{pad}" width="{size}" height="{size}" fill="none" stroke="#999"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#bbb" '
        f'stroke-dasharray="4 4"/>',
        f'<text x="{pad + size / 2}" y="{height - 10}" text-anchor="middle">score (mean of the '
        f"bin)</text>",
        f'<text x="14" y="{pad + size / 2}" text-anchor="middle" transform="rotate(-90 14 '
        f'{pad + size / 2})">share of true pairs</text>',
        f'<text x="{pad}" y="{pad - 16}">Reliability of scores, 500 cases, lists of strangers'
        f"</text>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<text x="{x(tick)}" y="{y(0) + 16}" text-anchor="middle">{tick}</text>')
        out.append(f'<text x="{pad - 6}" y="{y(tick) + 4}" text-anchor="end">{tick}</text>')
    for n, row in enumerate(rows):
        colour = COLOURS[n % len(COLOURS)]
        points = [(s / k, t / k, k) for k, s, t in row["bins"] if k]
        path = " ".join(f"{x(p):.1f},{y(q):.1f}" for p, q, _ in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for p, q, k in points:
            radius = 2 + math.log10(k)
            out.append(f'<circle cx="{x(p):.1f}" cy="{y(q):.1f}" r="{radius:.1f}" '
                       f'fill="{colour}" fill-opacity="0.7"/>')  # fmt: skip
        ly = pad + 20 + n * 20
        out.append(f'<line x1="{pad + size + 16}" y1="{ly - 4}" x2="{pad + size + 36}" '
                   f'y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>')  # fmt: skip
        out.append(f'<text x="{pad + size + 42}" y="{ly}">{row["records"]:,} records</text>')
    out.append(f'<text x="{pad + size + 16}" y="{pad + 20 + len(rows) * 20 + 10}" '
               f'fill="#666">dot area: pairs in the bin</text>')  # fmt: skip
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--svg", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "reliability.svg"
    )
    args = parser.parse_args()
    rows = []
    for records in args.sizes:
        row = measure(args.cases, records, args.seed)
        rows.append(row)
        print(
            f"{records:>9,} records: likely P {row['P']:.3f} R {row['R']:.3f} F1 {row['F1']:.3f}"
            f"  recall@5 {row['r@5']:.3f}  prior {row['prior']:+.2f} bits (data alone "
            f"{row['estimated']:+.2f}, true pairs give {row['oracle']:+.2f}; expected true "
            f"{row['expected_true']:.0f} of {row['true_pairs']})  pairs {row['pairs']:,}  "
            f"{row['s']:.1f} s",
            flush=True,
        )
        for (lo, hi), (k, s, t) in zip(itertools.pairwise(EDGES), row["bins"], strict=True):
            if k:
                print(f"    score {lo:>5.3f}-{min(hi, 1):<5.3f}  pairs {k:>6,}  mean score "
                      f"{s / k:.3f}  true share {t / k:.3f}")  # fmt: skip
        k, t = row["capped"]
        print(f"    capped (siblings, namesakes)  pairs {k:,}  true share {t / max(k, 1):.3f}")
    args.svg.write_text(svg(rows), encoding="utf-8")
    print(f"wrote {args.svg}")


if __name__ == "__main__":
    main()
