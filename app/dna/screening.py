"""Screening at scale: every remains profile against every family, ranked by likelihood ratio.

Each family's per-locus tables (log10 LR over every genotype of the locus, from kinship.py)
are stacked into one float32 matrix with a row per (locus, genotype) and a column per family,
plus a last row of zeros. A remains profile is a list of row numbers, one per locus (the zero
row where the remains are untyped); a family untyped at a locus has zeros in that locus's rows.
Scoring a block of remains against all families is then a gather of rows and a sum over loci.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from app.dna.frequencies import FrequencyTable, Locus
from app.dna.kinship import (
    BATCH_FAMILIES,
    Family,
    Relationship,
    Settings,
    genotype_index,
    locus_log10_lrs,
    transmission_matrix,
    typed_references,
    typing_shape,
)
from app.dna.markers import Genotype, Profile


class Band(StrEnum):
    PROPOSED = "proposed"  # a proposed identification, for a DNA reviewer to confirm
    POSSIBLE = "possible"  # supportive, not enough alone
    NONE = "none"


@dataclass(frozen=True)
class Thresholds:
    proposed_lr: float = 1e6
    proposed_posterior: float = 0.999
    possible_lr: float = 1e2


@dataclass(frozen=True)
class Candidate:
    remains_id: str
    family_id: str
    log10_lr: float
    posterior: float
    band: Band
    rank: int  # 1 = the family with the highest LR for these remains


@dataclass(frozen=True)
class FamilyTables:
    loci: dict[str, Locus]
    offsets: dict[str, int]  # first row of each locus
    rows: np.ndarray  # float32 (sum of genotype counts + 1, families); last row zeros
    family_ids: list[str]
    skipped: dict[str, list[str]]  # family id -> why it cannot be screened


def build_loci(table: FrequencyTable, profiles: Iterable[Profile]) -> dict[str, Locus]:
    """Every marker of the table, with the alleles any profile shows added at the minimum
    frequency (so every genotype of every profile has a row)."""
    observed: dict[str, set[str]] = {marker: set() for marker in table.markers}
    for profile in profiles:
        for marker, pair in profile.items():
            if marker in observed:
                observed[marker].update(pair)
    return {marker: table.locus(marker, observed[marker]) for marker in sorted(table.markers)}


# Called with (done, total) as work advances: loci prepared, remains screened.
Progress = Callable[[int, int], None]


# Fewer families than this are prepared in one process: forking and sending the tables back
# would cost more than it saves (and tests stay in their process).
PARALLEL_FAMILIES = 400


def prepare_families(
    families: Sequence[Family],
    loci: Mapping[str, Locus],
    settings: Settings,
    progress: Progress | None = None,
    processes: int = 1,
) -> FamilyTables:
    """Every family's tables, locus by locus (``progress`` after each locus: this is the
    costly step: about 30 s of CPU for 10,000 families at θ = 0.01, bench/dna.py). With
    ``processes`` > 1 and at least PARALLEL_FAMILIES families the tables are computed in that
    many forked processes; the result is the same as in one process."""
    offsets, total = {}, 0
    for marker, locus in loci.items():
        offsets[marker] = total
        total += locus.genotype_count
    usable = [family for family in families if not family.problems()]
    skipped = {family.id: family.problems() for family in families if family.problems()}
    # Families typed alike at a locus (one sibling 8,9; a mother 7,7) share its table: each
    # distinct typing is computed once (typings of one shape in batches, see _units).
    # slots[column]: the family's typing among the locus's typings.
    plan: list[tuple[str, list[Typing], np.ndarray]] = []
    for marker in loci:
        seen: dict[tuple, int] = {}
        typings: list[Typing] = []
        slots = np.empty(len(usable), dtype=np.intp)
        for column, family in enumerate(usable):
            typed = typed_references(family, marker)
            key = tuple(sorted((str(r), g) for r, g in typed))
            slot = seen.get(key)
            if slot is None:
                slot = seen[key] = len(typings)
                typings.append(typed)
            slots[column] = slot
        plan.append((marker, typings, slots))
    # Units of work (see _units), decided here once: one process or several compute the same.
    work = [
        (loci[marker], typings, _units(loci[marker], typings, settings))
        for marker, typings, _slots in plan
    ]
    if processes > 1 and len(usable) >= PARALLEL_FAMILIES:
        computed = _tables_in_processes(work, settings, processes)
    else:
        computed = (
            _in_order(len(typings), [_tables(locus, typings, units, settings)])
            for locus, typings, units in work
        )
    rows = np.zeros((total + 1, len(usable)), dtype=np.float32)
    for done, ((marker, _typings, slots), tables) in enumerate(
        zip(plan, computed, strict=True), start=1
    ):
        locus = loci[marker]
        # A typing with no reference at the locus is a row of zeros (LR 1).
        stacked = np.zeros((len(tables), locus.genotype_count))
        for slot, table in enumerate(tables):
            if table is not None:
                stacked[slot] = table
        start = offsets[marker]
        rows[start : start + locus.genotype_count] = stacked[slots].T
        if progress is not None:
            progress(done, len(loci))
    return FamilyTables(dict(loci), offsets, rows, [f.id for f in usable], skipped)


# The references typed at one locus, as kinship.locus_log10_lr takes them.
Typing = list[tuple[Relationship, Genotype]]


def _units(locus: Locus, typings: Sequence[Typing], settings: Settings) -> list[list[int]]:
    """A locus's typings in units of work: each shape's families in batches (see
    kinship.locus_log10_lrs; at θ = 0, computed one by one, any BATCH_FAMILIES typings). One
    process or several compute the same units, so the tables are the same bit for bit however
    the units are dealt."""
    by_shape: dict[tuple, list[int]] = {}
    for k, typed in enumerate(typings):
        shape = typing_shape(locus, typed)[0] if typed and settings.theta > 0 else ()
        by_shape.setdefault(shape, []).append(k)
    return [
        members[start : start + BATCH_FAMILIES]
        for members in by_shape.values()
        for start in range(0, len(members), BATCH_FAMILIES)
    ]


# A locus, its distinct typings and their units of work.
Work = tuple[Locus, Sequence[Typing], list[list[int]]]


def _tables(
    locus: Locus,
    typings: Sequence[Typing],
    units: list[list[int]],
    settings: Settings,
    part: int = 0,
    processes: int = 1,
) -> list[tuple[list[int], list[np.ndarray | None]]]:
    """The tables of units part, part + processes, ... of a locus, with their typings."""
    trans = transmission_matrix(locus, settings)
    return [
        (unit, locus_log10_lrs(locus, [typings[k] for k in unit], settings, trans))
        for unit in units[part::processes]
    ]


def _in_order(
    count: int, parts: Iterable[list[tuple[list[int], list[np.ndarray | None]]]]
) -> list[np.ndarray | None]:
    tables: list[np.ndarray | None] = [None] * count
    for answer in parts:
        for unit, computed in answer:
            for k, table in zip(unit, computed, strict=True):
                tables[k] = table
    return tables


def _tables_in_processes(
    work: Sequence[Work], settings: Settings, processes: int
) -> Iterator[list[np.ndarray | None]]:
    """_tables of each locus of ``work``, in order, computed by ``processes`` forked processes:
    process i computes units i, i + processes, ... of every locus (dealt round, so each gets
    its share of the costly ones) and sends them locus by locus; they are put back in order.
    Forked, so ``work`` is shared with the processes rather than sent to them."""
    context = multiprocessing.get_context("fork")
    pipes: list[Connection] = []
    children: list[Any] = []
    # The parent's objects out of the collector's reach in the children, so that a
    # collection there does not copy the parent's memory into each (copy-on-write).
    gc.freeze()
    try:
        for part in range(processes):
            mine, theirs = context.Pipe(duplex=False)
            child = context.Process(
                target=_serve_tables,
                args=(theirs, work, settings, part, processes),
                daemon=True,
            )
            child.start()
            theirs.close()
            pipes.append(mine)
            children.append(child)
    finally:
        gc.unfreeze()
    try:
        for _locus, typings, _unused in work:
            answers = []
            for pipe in pipes:
                try:
                    status, answer = pipe.recv()
                except EOFError:
                    raise RuntimeError("a DNA preparation process ended early") from None
                if status != "ok":
                    raise RuntimeError(f"a DNA preparation process failed: {answer}")
                answers.append(answer)
            yield _in_order(len(typings), answers)
    finally:
        for pipe in pipes:
            pipe.close()
        for child in children:
            child.join(timeout=10)
            if child.is_alive():  # the parent stopped early (an error): nothing to wait for
                child.terminate()
                child.join()


def _serve_tables(
    pipe: Connection,
    work: Sequence[Work],
    settings: Settings,
    part: int,
    processes: int,
) -> None:
    """A process's work: its share of each locus's typings, sent locus by locus."""
    try:
        for locus, typings, units in work:
            pipe.send(("ok", _tables(locus, typings, units, settings, part, processes)))
    except BaseException as error:  # the parent must hear of it, or it waits for ever
        with contextlib.suppress(OSError):
            pipe.send(("error", type(error).__name__))
    finally:
        pipe.close()


def encode_remains(profiles: Sequence[Profile], tables: FamilyTables) -> np.ndarray:
    """(remains, loci) row numbers into tables.rows; untyped loci point at the zero row.
    An allele outside the loci (a profile added after build_loci) makes the locus skipped."""
    zero = tables.rows.shape[0] - 1
    codes = np.full((len(profiles), len(tables.loci)), zero, dtype=np.intp)
    for r, profile in enumerate(profiles):
        for column, (marker, locus) in enumerate(tables.loci.items()):
            pair = profile.get(marker)
            if pair and pair[0] in locus.index and pair[1] in locus.index:
                codes[r, column] = tables.offsets[marker] + genotype_index(locus, pair)
    return codes


def score_blocks(
    codes: np.ndarray, tables: FamilyTables, block: int = 64
) -> Iterator[tuple[int, np.ndarray]]:
    """(first remains, log10 LR of the block's remains x all families), block by block.
    Summing locus by locus keeps memory at one block x families."""
    for start in range(0, codes.shape[0], block):
        part = codes[start : start + block]
        total = tables.rows[part[:, 0]].copy()
        for column in range(1, part.shape[1]):
            total += tables.rows[part[:, column]]
        yield start, total


def posterior(log10_lr: float | np.ndarray, prior: float) -> np.ndarray:
    """P(H1 | data) from the LR and the prior, in logs so a 10^40 LR does not overflow."""
    log_odds = np.asarray(log10_lr, dtype=np.float64) + math.log10(prior / (1 - prior))
    return 1 / (1 + 10 ** np.clip(-log_odds, -300, 300))


def band(log10_lr: float, post: float, thresholds: Thresholds) -> Band:
    if log10_lr >= math.log10(thresholds.proposed_lr) and post >= thresholds.proposed_posterior:
        return Band.PROPOSED
    if log10_lr >= math.log10(thresholds.possible_lr):
        return Band.POSSIBLE
    return Band.NONE


def screen(
    remains_ids: Sequence[str],
    codes: np.ndarray,
    tables: FamilyTables,
    prior: float,
    thresholds: Thresholds | None = None,
    keep: int = 3,
    progress: Progress | None = None,
) -> list[Candidate]:
    """For each remains, its families at or above the 'possible' threshold, best first, at
    most `keep` each. The prior is one over the open missing persons of the group, or a
    user's. ``progress`` is told the remains screened after each block."""
    if not 0 < prior < 1:
        raise ValueError("the prior must be between 0 and 1")
    thresholds = thresholds or Thresholds()
    floor = math.log10(thresholds.possible_lr)
    found: list[Candidate] = []
    for start, scores in score_blocks(codes, tables):
        if scores.shape[1] == 0:
            break
        count = min(keep, scores.shape[1])
        top = np.argpartition(-scores, count - 1, axis=1)[:, :count]
        for offset, columns in enumerate(top):
            row = scores[offset]
            ordered = columns[np.argsort(-row[columns])]
            for rank, column in enumerate(ordered, start=1):
                value = float(row[column])
                if value < floor:
                    break
                post = float(posterior(value, prior))
                found.append(
                    Candidate(
                        remains_ids[start + offset],
                        tables.family_ids[column],
                        value,
                        post,
                        band(value, post, thresholds),
                        rank,
                    )
                )
        if progress is not None:
            progress(min(start + scores.shape[0], codes.shape[0]), codes.shape[0])
    found.sort(key=lambda c: -c.log10_lr)
    return found
