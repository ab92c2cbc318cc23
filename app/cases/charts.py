"""Charts drawn as SVG on the server: no chart library, no inline scripts or styles."""

from __future__ import annotations

from dataclasses import dataclass

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
    """One horizontal bar per status, in workflow order, scaled to the largest count."""
    largest = max(counts.values(), default=0) or 1
    bars = []
    for index, status in enumerate(CaseStatus):
        count = counts.get(status.value, 0)
        bars.append(
            Bar(
                status=status.value,
                label=str(STATUS_LABELS[status]),
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
