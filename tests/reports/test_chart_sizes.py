"""The heatmap is wide enough for its title and its slanted column labels (nothing cut off in a slide)."""

import xml.etree.ElementTree as ET

from app.reports import charts


def test_heatmap_fits_a_long_title_and_the_last_columns_label():
    title = "People at the required level by team: Apprenticeship season 2027"
    topics = [("Apprenticeships", 2), ("Employer engagement", 2), ("Pay and earnings", 1),
              ("Vacancies and recruitment", 2)]
    svg = ET.fromstring(charts.heatmap(title, topics, [charts.HeatmapRow("North East", [1, 1, 1, 0])]).encode())
    width = float(svg.get("width"))
    assert width >= charts.MARGIN + len(title) * 9  # a 16px bold title at about 9px a character
    last = [t for t in svg.iter(f"{{{charts.SVG_NS}}}text") if t.get("class") == "topic"][-1]
    # rotated -45 degrees about its start: its end lies len * ~6px * cos 45 further right
    assert float(last.get("x")) + len(last.text) * 6 * 0.7071 <= width


def test_a_heatmap_of_short_labels_stays_compact():
    svg = ET.fromstring(charts.heatmap("Gaps", [("A", 1)], [charts.HeatmapRow("Team", [1])]).encode())
    assert float(svg.get("width")) < 300
