"""SVG charts a manager can drop into a slide: the gap per topic, and a team x topic heatmap.

Built with ElementTree, so every label is escaped; plain SVG 1.1 with its own sizes and fonts, no
scripts or external references, so slide tools and browsers show it the same way.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from app.reports.schemas import SkillsGapReport

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "Arial, Helvetica, sans-serif"
ROW = 28
LABEL_WIDTH = 260
BAR_WIDTH = 420
MARGIN = 20
TITLE_CHAR_WIDTH = 9.5       # a 16px bold character, generously
LABEL_REACH_PER_CHAR = 5     # an 11px character rotated 45 degrees: its width times cos 45, generously
COLOURS = {"required": "#c9d3df", "available": "#2f6f9f", "gap": "#c0392b", "text": "#1d2733"}

ET.register_namespace("", SVG_NS)


def _svg(width: int, height: int, title: str) -> ET.Element:
    root = ET.Element(f"{{{SVG_NS}}}svg", {"width": str(width), "height": str(height),
                                           "viewBox": f"0 0 {width} {height}", "font-family": FONT,
                                           "role": "img"})
    ET.SubElement(root, f"{{{SVG_NS}}}title").text = title
    ET.SubElement(root, f"{{{SVG_NS}}}rect", {"width": str(width), "height": str(height), "fill": "#ffffff"})
    return root


def _text(parent: ET.Element, x: float, y: float, value: str, size: int = 12, anchor: str = "start",
          weight: str = "normal", fill: str = COLOURS["text"]) -> None:
    ET.SubElement(parent, f"{{{SVG_NS}}}text", {"x": f"{x:g}", "y": f"{y:g}", "font-size": str(size),
                                                "text-anchor": anchor, "font-weight": weight,
                                                "fill": fill}).text = value


def _rect(parent: ET.Element, x: float, y: float, width: float, height: float, fill: str, tip: str = "") -> None:
    rect = ET.SubElement(parent, f"{{{SVG_NS}}}rect", {"x": f"{x:g}", "y": f"{y:g}", "width": f"{max(width, 0):g}",
                                                       "height": f"{height:g}", "fill": fill})
    if tip:
        ET.SubElement(rect, f"{{{SVG_NS}}}title").text = tip


def _clip(label: str, limit: int = 38) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _serialise(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def gap_chart(report: SkillsGapReport) -> str:
    """Per topic a grey bar for the people required and a blue bar for those available, the gap in red."""
    rows = report.topics
    scale_max = max([1, *(max(t.required, t.available) for t in rows)])
    unit = BAR_WIDTH / scale_max
    top = MARGIN + 44
    width, height = LABEL_WIDTH + BAR_WIDTH + 140, top + ROW * max(len(rows), 1) + MARGIN + 20
    title = f"Skills gap: {report.profile.name}"
    root = _svg(width, height, title)
    _text(root, MARGIN, MARGIN + 8, title, size=16, weight="bold")
    _text(root, MARGIN, MARGIN + 28, f"People at the required level, as of {report.as_of:%d %B %Y}. "
          "Grey: required; blue: available; red: the gap.", size=11)
    for index, t in enumerate(rows):
        y = top + index * ROW
        group = ET.SubElement(root, f"{{{SVG_NS}}}g", {"class": "topic"})
        _text(group, LABEL_WIDTH - 8, y + 17, _clip(t.topic.label), anchor="end")
        _rect(group, LABEL_WIDTH, y + 4, t.required * unit, ROW - 8, COLOURS["required"],
              f"{t.topic.label}: {t.required} required at level {t.level}")
        _rect(group, LABEL_WIDTH, y + 8, t.available * unit, ROW - 16, COLOURS["available"],
              f"{t.topic.label}: {t.available} available")
        mark = f"gap {t.gap}" if t.gap else "covered"
        spof = " · one person" if t.single_point_of_failure else ""
        _text(group, LABEL_WIDTH + max(t.required, t.available) * unit + 8, y + 17, f"{t.available}/{t.required} "
              f"{mark}{spof}", size=11, fill=COLOURS["gap"] if t.gap else COLOURS["text"])
    if not rows:
        _text(root, MARGIN, top + 17, "This profile has no topics.")
    return _serialise(root)


@dataclass(frozen=True)
class HeatmapRow:
    label: str
    counts: list[int]  # people at the required level, per topic in the chart's column order


def heatmap(title: str, topics: list[tuple[str, int]], rows: list[HeatmapRow]) -> str:
    """Teams down, topics across; each cell is how many of the team's people are at the topic's level,
    shaded by how much of the requirement they would cover."""
    cell_w, cell_h, head = 46, 26, 180
    left = 200
    # Wide enough for the title and for the last column's label, which rises to the right at 45 degrees.
    label_reach = max((len(_clip(label, 30)) for label, _ in topics), default=0) * LABEL_REACH_PER_CHAR
    width = round(max(left + cell_w * (max(len(topics), 1) - 0.5) + label_reach,
                      MARGIN + len(title) * TITLE_CHAR_WIDTH) + MARGIN)
    height = MARGIN + 30 + head + cell_h * max(len(rows), 1) + MARGIN
    root = _svg(width, height, title)
    _text(root, MARGIN, MARGIN + 8, title, size=16, weight="bold")
    top = MARGIN + 30 + head
    for column, (label, _) in enumerate(topics):
        x = left + column * cell_w + cell_w / 2
        text = ET.SubElement(root, f"{{{SVG_NS}}}text", {
            "x": f"{x:g}", "y": f"{top - 8:g}", "font-size": "11", "fill": COLOURS["text"],
            "transform": f"rotate(-45 {x:g} {top - 8:g})", "class": "topic"})
        text.text = _clip(label, 30)
    for index, row in enumerate(rows):
        y = top + index * cell_h
        _text(root, left - 8, y + 17, _clip(row.label, 28), anchor="end")
        for column, count in enumerate(row.counts):
            required = topics[column][1]
            share = min(1.0, count / required) if required else 1.0
            _rect(root, left + column * cell_w + 1, y + 1, cell_w - 2, cell_h - 2, _shade(share),
                  f"{row.label}, {topics[column][0]}: {count} of {required}")
            _text(root, left + column * cell_w + cell_w / 2, y + 17, str(count), size=11, anchor="middle",
                  fill="#ffffff" if share > 0.6 else COLOURS["text"])
    if not rows:
        _text(root, MARGIN, top + 17, "No teams yet: create them with POST /api/teams.")
    return _serialise(root)


def _shade(share: float) -> str:
    """White (nobody) to dark blue (the requirement covered)."""
    low, high = (247, 251, 255), (8, 69, 148)
    r, g, b = (round(a + (z - a) * share) for a, z in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"
