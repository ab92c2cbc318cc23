"""Linking over several processes: each streams its own part of the right side.

A national run streams a million partner records through one index of cases; preparing,
blocking and scoring each record is Python work that one core does at a time. :func:`link_parallel`
runs :func:`app.matching.engine.link` with the stream cut into parts, one forked process per
part (``fork``: the entities, ``skip`` and the parts need not be picklable). Each process builds
its own index of the cases (an inherited one would be copied into it anyway: blocking writes
the reference counts of its objects), reads its own part (``parts[i]()`` is called in the
child: a database query of an id range, in the services) and keeps its blocked pairs; the
parent only merges what each step of :class:`app.matching.engine.Shard` returns, all of it
small:

1. the name and place counts of each part, added up and sent back (every pair is scored
   with the population's frequencies, as in one process);
2. with ``learn_sources``: each part's observations, merged and learnt from in the parent;
   above :data:`app.matching.engine.LEARNING_PAIRS` blocked pairs in all, of the run's
   sample only (the lowest hash buckets that hold that many pairs, from every part's counts per
   bucket), which is all a part keeps while it streams;
3. each part's histogram of bits (scored from its observations when it learnt; above the
   learning size, scored as a second stream of the part blocks them, in fresh processes),
   merged, from which the parent estimates the prior;
4. the candidates of each part at that prior, ranked together.

The parent listens to every part at once: while they stream (both streams), each reports the
records it has read, and the parent reports their sum (``progress``). A process ends as soon
as its last answer is in (above the learning size, the first stream's after its observations).

Parts are merged in their order, so a stream cut into consecutive parts gives exactly what
one process gives: the same counts, the same observations in the same order (the same m),
the same histogram (the same prior), the same candidates and scores (tests hold that).

Memory: the parent holds the merged counts (and the observations while it learns); each
process holds its index and the blocked pairs of its part only, as numbers once observed, or
above the learning size only its part's share of the sample and then the pairs that reach the
floor (:class:`app.matching.engine.Shard`). The observations come back without the records'
keys (each record is in one part, so a number tells it apart: :func:`merge_observations`),
and each process puts what it keeps out of the cycle collector's reach once it has streamed
its part.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import multiprocessing
import multiprocessing.connection
import os
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from app.matching import engine
from app.matching.calibration import BitsHistogram
from app.matching.engine import (
    SAMPLE_BUCKETS,
    LinkResult,
    Shard,
    floor_bits,
    prior_of,
    ranked,
    sample_limit,
)
from app.matching.entities import Features, MatchEntity
from app.matching.learning import LearntSource, Observations, learn
from app.matching.scoring import DEFAULT_PARAMETERS, POSSIBLE, Frequencies, Parameters

__all__ = ["available_cores", "link_parallel", "merge_frequencies", "merge_observations"]

Part = Callable[[], Iterable[MatchEntity | Features]]


def available_cores() -> int:
    """The cores this process may run on (a container may allow fewer than the machine has);
    1 where processes cannot be forked (Windows), so that runs stay in their process."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def link_parallel(
    left: Iterable[MatchEntity | Features],
    parts: Sequence[Part],
    *,
    threshold: float = POSSIBLE,
    explain: bool = False,
    frequencies: Frequencies | None = None,
    skip: Callable[[Hashable, Hashable], bool] | None = None,
    progress: Callable[[int], None] | None = None,
    prior_bits: float | None = None,
    known_true: int = 0,
    parameters: Parameters = DEFAULT_PARAMETERS,
    by_source: Mapping[Hashable, Parameters] | None = None,
    learn_sources: bool = False,
    labels: Mapping[tuple[Hashable, Hashable], bool] | None = None,
) -> LinkResult:
    """:func:`app.matching.engine.link` of ``left`` against the concatenation of ``parts``,
    one process per part. ``progress`` is called with the records the parts have streamed
    together, as they stream them (each every :data:`app.matching.engine.PROGRESS_EVERY`), and
    once more when every part has; a run in two streams reports the second one likewise,
    counting from 0 again.
    ``skip`` and the entities need not be picklable (the processes are forked); what the
    steps return must be."""
    # The index is built in each process, not here: the pages of an index inherited from the
    # parent are copied into each process anyway, as blocking writes the reference counts of
    # its objects (at 20,000 cases, most of the parent's memory was copied into each).
    shard = Shard(left, skip=skip, parameters=parameters, labels=labels, indexed=False)
    counting = frequencies is None
    # Read at each run, not imported: tests lower it.
    # Each part keeps the records of its share of the sample (and an eighth more, so that it
    # rarely keeps fewer buckets than the run's sample: a part that did reads its part again;
    # the records are split by id and sampled by a hash, so a part of a national run holds
    # about its share of the sample; a quarter more was held at the first peak, estimated at
    # 10-20 MB of each process at 20,000 cases x 1M).
    budget = engine.LEARNING_PAIRS * 9 // (8 * max(len(parts), 1)) if learn_sources else None
    # What the caller read and let go (a run's cases, read a chunk at a time) goes back to the
    # system before the processes are forked: they would inherit it.
    _give_back()
    workers = _Workers(shard, parts, counting, budget, progress=progress)
    try:
        streamed = workers.each(None)
        seen = sum(part_seen for _freq, part_seen, _blocked, _limit in streamed)
        blocked = sum(part_blocked for _freq, _seen, part_blocked, _limit in streamed)
        part_limits = [part_limit for _freq, _seen, _blocked, part_limit in streamed]
        if progress is not None:
            progress(seen)
        freq = (
            merge_frequencies(f for f, _seen, _blocked, _limit in streamed)
            if frequencies is None
            else frequencies
        )
        del streamed  # each part's counts, merged: not kept through the run
        workers.each(("freq", freq))
        learnt: dict[Hashable, LearntSource] = {}
        floor = floor_bits(threshold, shard.left_count, seen, prior_bits)
        twice = False
        if learn_sources:
            limit = SAMPLE_BUCKETS
            if blocked > engine.LEARNING_PAIRS:
                # Above the learning size: the sample's buckets from every part's counts.
                limit = sample_limit(sum(workers.each(("counts", None))))
            # A part past its budget kept only its sample: the run scores in a second stream
            # (below the learning size too, where one part held most of the pairs).
            twice = limit < SAMPLE_BUCKETS or any(
                part_limit < SAMPLE_BUCKETS for part_limit in part_limits
            )
            # Merged as each part answers: not every part's observations at once.
            # Above the learning size, each of the first stream's processes ends as soon as its
            # observations are in, before the others' are merged and before the EM: it holds,
            # freed but not given back to the system, the memory of the sample it kept.
            observations = merge_observations(
                workers.each_lazily(
                    ("observations", (by_source or {}, labels or {}, floor, limit, twice)),
                    last=twice,
                )
            )
            if twice:
                workers.close()  # their pipes (the processes have ended)
            learnt = learn(observations, shard.left_count * limit / SAMPLE_BUCKETS, parameters)
            del observations  # not kept while the parts score
            by_source = {source: found.parameters for source, found in learnt.items()}
        if twice:
            # The second stream in fresh processes (the first ones' are closed above): each
            # builds its index again (seconds), and reads the counts. What the EM freed goes
            # back to the system first, and the processes forked after do not inherit it.
            _give_back()
            workers = _Workers(shard, parts, False, None, streaming=False, progress=progress)
            workers.each(None)
            workers.each(("freq", freq))
        scored = workers.each(("rescore" if twice else "bits", (by_source or {}, floor)))
        if twice and progress is not None:
            progress(seen)  # the second stream too: every part has
        histogram = BitsHistogram()
        for part_histogram, _compared in scored:
            histogram.bins.update(part_histogram.bins)
        compared = sum(part_compared for _histogram, part_compared in scored)
        prior = prior_of(histogram, shard.left_count, seen, known_true, prior_bits)
        candidates = ranked(
            workers.each_lazily(("candidates", (prior.bits, threshold, explain)), last=True)
        )
    finally:
        workers.close()
    return LinkResult(candidates, compared, seen, freq, prior, learnt)


def _give_back() -> None:
    """Collect what is garbage and give the heap's free memory back to the system (glibc's
    ``malloc_trim``; elsewhere only the collection): the EM's and the observations' freed
    memory otherwise stays with this process through the second stream, and what the caller
    freed before the first one would be inherited by its processes."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _Workers:
    """One forked process per part, each serving the steps of its :class:`Shard`.

    ``progress``: called with the records streamed by all the parts together, as the parts
    report them while they stream (the first stream, and ``rescore``)."""

    def __init__(
        self,
        shard: Shard,
        parts: Sequence[Part],
        counting: bool,
        budget: int | None,
        streaming: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        context = multiprocessing.get_context("fork")
        self.pipes: list[Connection] = []
        self.processes: list[Any] = []
        self.progress = progress
        self.streamed = [0] * len(parts)  # per part, as last reported
        # The parent's objects out of the collector's reach in the children: a collection
        # there would write to every object it visits, and so copy the parent's memory into
        # each child (copy-on-write) instead of sharing it.
        gc.freeze()
        try:
            self._start(context, shard, parts, (counting, budget, streaming))
        finally:
            gc.unfreeze()

    def _start(
        self, context: Any, shard: Shard, parts: Sequence[Part], how: tuple[bool, int | None, bool]
    ) -> None:
        for part in parts:
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, shard, part, *how), daemon=True)
            process.start()
            theirs.close()
            self.pipes.append(mine)
            self.processes.append(process)

    def each(self, request: tuple[str, Any] | None) -> list[Any]:
        """Send ``request`` to every process (None: only wait for the first answer) and
        return their answers in the parts' order."""
        return list(self.each_lazily(request))

    def each_lazily(self, request: tuple[str, Any] | None, last: bool = False) -> Iterator[Any]:
        """:meth:`each`, each answer as it is read (in the parts' order). Every part is
        listened to at once, so that their progress is heard as it is made; an answer read
        before those of the parts ahead of it waits for them. ``last``: the processes' last
        step, each process ended as soon as its answer is read."""
        if request is not None:
            for pipe in self.pipes:
                pipe.send(request)
        self.streamed = [0] * len(self.pipes)
        waiting: dict[Any, int] = {pipe: number for number, pipe in enumerate(self.pipes)}
        pieces: dict[int, dict[Any, Any]] = {}
        arrays: dict[int, list[bytes]] = {}
        answers: dict[int, Any] = {}
        for number in range(len(self.pipes)):
            while number not in answers:
                for ready in multiprocessing.connection.wait(list(waiting)):
                    part = waiting[ready]
                    try:
                        status, answer = self.pipes[part].recv()
                        if status == "arrays":  # one of an answer's arrays, sent raw
                            arrays.setdefault(part, []).append(self.pipes[part].recv_bytes())
                    except EOFError:
                        raise RuntimeError("a matching process ended without an answer") from None
                    if status == "progress":
                        self._heard(part, answer)
                    elif status == "arrays":
                        pass  # kept above until the answer they belong to comes
                    elif status == "piece":  # a big answer, sent a piece at a time
                        pieces.setdefault(part, {}).update(answer)
                    elif status != "ok":
                        # The class name only: a message could quote a person's name.
                        raise RuntimeError(f"a matching process failed: {answer}")
                    else:
                        if part in pieces:  # the last piece: added to the others, not copied
                            pieces[part].update(answer)
                            answer = pieces.pop(part)
                        if part in arrays:
                            _fill_arrays(answer[0], arrays.pop(part))
                        answers[part] = answer
                        del waiting[ready]
                        if last:
                            self._end(part)
            yield answers.pop(number)

    def _heard(self, part: int, streamed: int) -> None:
        self.streamed[part] = streamed
        if self.progress is not None:
            self.progress(sum(self.streamed))

    def _end(self, part: int) -> None:
        with contextlib.suppress(OSError):  # already gone
            self.pipes[part].send(("stop", None))
        self._join(self.processes[part])

    @staticmethod
    def _join(process: Any) -> None:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join()

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):  # already gone
                pipe.send(("stop", None))
            pipe.close()
        for process in self.processes:
            self._join(process)


def _serve(
    pipe: Connection,
    shard: Shard,
    part: Part,
    counting: bool,
    budget: int | None,
    streaming: bool = True,
) -> None:
    """A process's loop: stream its part (``streaming``; otherwise only build the index),
    then answer the parent's steps until told to stop (above the learning size, ``rescore``
    streams the part a second time)."""

    def report(streamed: int) -> None:
        pipe.send(("progress", streamed))

    try:
        shard.build_index()
        if streaming:
            # What the stream keeps goes out of the cycle collector's reach (below) before the
            # collector is on again: Shard.stream runs without it, and its first collection
            # after the stream walked every object the stream made, all of them kept (a
            # second of a record process's time at a million records, collecting nothing).
            collecting = gc.isenabled()
            gc.disable()
            try:
                freq = shard.stream(part(), counting, report, budget)
            finally:
                gc.freeze()
                if collecting:
                    gc.enable()
            pipe.send(("ok", (freq if counting else None, shard.seen, shard.blocked, shard.limit)))
            del freq  # the parent sends back the population's counts
        else:
            pipe.send(("ok", None))
        # What the part keeps (its blocked pairs) lives until the process ends: out of the
        # collector's reach, so that the collections of the next steps do not walk it again.
        gc.freeze()
        while True:
            command, argument = pipe.recv()
            if command == "stop":
                break
            if command == "freq":
                shard.freq = argument
                answer: Any = None
            elif command == "counts":
                answer = shard.sample_counts()
            elif command == "observations":
                by_source, labels, _floor, limit, sample_only = argument
                if sample_only and shard.limit < limit:  # kept fewer buckets: read again
                    answer = _compact(shard.resample(part(), by_source, labels, limit))
                else:
                    answer = _compact(shard.observations(*argument))
                _send_arrays(pipe, answer[0])
            elif command == "bits":
                answer = shard.bits(*argument)
            elif command == "rescore":
                by_source, floor = argument
                answer = shard.rescore(part(), by_source, floor, report)
            else:
                # The last step: its pieces sent as they are explained, and the process ends
                # (its memory back to the system while the others still send theirs).
                prior_bits, threshold, explain = argument
                for piece in shard.candidate_pieces(prior_bits, threshold, explain, _PIECE):
                    pipe.send(("piece", piece))
                    del piece
                pipe.send(("ok", {}))
                break
            pipe.send(("ok", answer))
            del answer  # sent: not kept while the next step runs (the observations are big)
    except BaseException as error:  # the parent must hear of it, or it waits for ever
        with contextlib.suppress(OSError):
            pipe.send(("error", type(error).__name__))
    finally:
        pipe.close()


# Left keys whose candidates (with their explanations) are made and sent at a time: a 20,000-case
# run's part has tens of thousands, and the whole answer pickled at once doubled them in the
# process and the parent.
_PIECE = 2_000


def _send_arrays(pipe: Connection, observations: Observations) -> None:
    """Send the arrays of ``observations`` each as raw bytes, emptying them, before the rest of
    it goes as the answer: pickled with the answer, they were copied whole into the pickle
    while the process still held them (a fifth of its memory at the end of a national run's
    first stream); a buffer is sent from where it lies."""
    for pairs in observations.sources.values():
        for name in _array_fields(pairs):
            values = getattr(pairs, name)
            pipe.send(("arrays", None))
            pipe.send_bytes(memoryview(values))
            setattr(pairs, name, array(values.typecode))


def _fill_arrays(observations: Observations, received: list[bytes]) -> None:
    """Put back, in the order :func:`_send_arrays` sent them, the arrays of ``observations``
    (each received buffer let go once copied: ``received`` is emptied)."""
    received.reverse()
    for pairs in observations.sources.values():
        for name in _array_fields(pairs):
            getattr(pairs, name).frombytes(received.pop())


def _array_fields(pairs: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(pairs)]


def merge_frequencies(parts: Iterable[Frequencies | None]) -> Frequencies:
    """The counts of consecutive parts of a stream, as one process counting it all."""
    merged = Frequencies()
    for part in parts:
        if part is None:
            continue
        merged.total += part.total
        merged.surnames.update(part.surnames)
        merged.given.update(part.given)
        merged.patronymics.update(part.patronymics)
        merged.places.update(part.places)
        for name, counter in part.extras.items():
            merged.extras.setdefault(name, type(counter)()).update(counter)
    return merged


# The table of an Observations in the parts' answers: each entity in the order it was numbered,
# its key where it is a left entity (a case, which every part may meet), None where it is a right
# one (a record: each is in one part only, so it needs no key to be told apart).
EntityTable = list[Hashable | None]


def _compact(observations: Observations) -> tuple[Observations, EntityTable]:
    """A part's observations as sent to the parent: the record keys of its table left out (at
    national size they were most of what the parent received and held: 100 MB a million)."""
    table: EntityTable = [
        key if key[0] == "l" else None  # type: ignore[index]  # ("l" | "r", key), learning's
        for key in observations._entities
    ]
    observations._entities = {}
    return observations, table


def merge_observations(parts: Iterable[tuple[Observations, EntityTable]]) -> Observations:
    """The observations of consecutive parts of a stream (each with its :func:`_compact`
    table), as one process would have added them: patterns and entities numbered in the order
    they were first seen. The merged table keeps only the left entities' keys; the records are
    numbered, not named (learning reads the numbers only)."""
    merged = Observations()
    # Numbered as Observations.add numbers them (its private table: this is its merge).
    left_numbers = merged._entities
    count = 0
    for part, table in parts:
        patterns = np.array(
            [merged.patterns.setdefault(p, len(merged.patterns)) for p in part.patterns],
            dtype=np.int64,
        )
        numbers = np.empty(len(table), dtype=np.int64)
        for local, key in enumerate(table):
            if key is None:
                number = count
                count += 1
            else:
                found = left_numbers.get(key)
                if found is None:
                    found = left_numbers[key] = count
                    count += 1
                number = found
            numbers[local] = number
        for source, pairs in part.sources.items():
            into = merged.sources.get(source)
            if into is None:
                into = merged.sources[source] = type(pairs)()
            into.pattern.frombytes(_renumbered(patterns, pairs.pattern))
            into.offset.extend(pairs.offset)
            into.left.frombytes(_renumbered(numbers, pairs.left))
            into.right.frombytes(_renumbered(numbers, pairs.right))
            into.sibling_sign.extend(pairs.sibling_sign)
            into.namesake_sign.extend(pairs.namesake_sign)
            into.label.extend(pairs.label)
    return merged


def _renumbered(numbers: np.ndarray, local: array[int]) -> bytes:
    """The merged numbers of a part's local ones, as the bytes of an array("q")."""
    if not local:
        return b""
    return numbers[np.frombuffer(local, dtype=np.int64)].astype(np.int64).tobytes()
