"""Charts drawn as SVG on the server: no chart library, no inline scripts or styles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.cases.labels import STATUS_LABELS
from app.cases.models import CaseStatus


@dataclass(frozen=True)
class Bar:
    status: str
    label: str
    count: int
    y: int
    width: float  # in chart units, out of BAR_AREA


BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 210
BAR_AREA = 360


def status_bars(counts: dict[str, int]) -> dict:
    """One horizontal bar per case status, in workflow order, scaled to the largest count."""
    return ordered_bars(((status.value, STATUS_LABELS[status]) for status in CaseStatus), counts)


def ordered_bars(order: Iterable[tuple[str, Any]], counts: dict[str, int]) -> dict:
    """One horizontal bar per (value, label) of ``order``, in that order, scaled to the largest
    count: any feature's states (an exchange's lines) drawn as the case statuses are."""
    largest = max(counts.values(), default=0) or 1
    bars = []
    for index, (value, label) in enumerate(order):
        count = counts.get(value, 0)
        bars.append(
            Bar(
                status=value,
                label=str(label),
                count=count,
                y=index * (BAR_HEIGHT + GAP),
                width=round(BAR_AREA * count / largest, 1),
            )
        )
    height = len(bars) * (BAR_HEIGHT + GAP)
    return {
        "bars": bars,
        "height": height,
        "width": LABEL_WIDTH + BAR_AREA + 60,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
    }
