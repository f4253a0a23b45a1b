"""Measure how the rendered Plotly charts of a page are laid out, from their SVG boxes.

Used by the e2e tests and by anyone who wants the numbers: every text a chart draws (tick
labels, legend entries, titles, annotations, slider and button labels) as a box, and the
pairs of boxes that overlap within one chart; each legend against its plotting areas.
"""

from __future__ import annotations

import re
import time

# Per chart: the boxes of its visible texts, tagged by kind; its plotting areas; its legend.
# Boxes of texts with no characters or a zero size are skipped (Plotly keeps hidden ones).
_LAYOUT_JS = r"""() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
  const visible = (el) => { const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0.5 && r.height > 0.5 && s.visibility !== 'hidden' && s.display !== 'none'
      && s.opacity !== '0' && (el.textContent || '').trim().length > 0; };
  const kinds = [
    ['tick', '.xtick text, .ytick text, .x2tick text, .y2tick text'],
    ['axis title', '[class^="g-x"][class$="title"] text, [class^="g-y"][class$="title"] text'],
    ['legend', '.legend .legendtext'],
    ['title', '.g-gtitle text'],
    ['annotation', '.annotation-text-g text'],
    ['slider', '.slider-group text, .slider-container text'],
    ['button', '.updatemenu-button text'],
  ];
  const charts = [];
  document.querySelectorAll('.bp-chart').forEach((chart, index) => {
    const texts = [];
    const seen = new Set();
    for (const [kind, selector] of kinds) {
      chart.querySelectorAll(selector).forEach((el) => {
        if (seen.has(el) || !visible(el)) return;
        seen.add(el);
        texts.push({kind, text: el.textContent.trim(), ...box(el)});
      });
    }
    // Tick labels of a colour bar are ticks too.
    chart.querySelectorAll('.colorbar .cbaxis text').forEach((el) => {
      if (seen.has(el) || !visible(el)) return;
      seen.add(el);
      texts.push({kind: 'colorbar', text: el.textContent.trim(), ...box(el)});
    });
    const plots = [...chart.querySelectorAll('.nsewdrag')].map(box);
    const legendEl = chart.querySelector('.legend .bg');
    const legend = legendEl && visible(chart.querySelector('.legend')) ? box(legendEl) : null;
    const modebar = chart.querySelector('.modebar');
    const title = chart.querySelector('.g-gtitle text');
    // Tick labels of log axes (Plotly keeps its resolved layout on the chart's div).
    const gd = chart.querySelector('.js-plotly-plot');
    const logTicks = [];
    const full = gd && gd._fullLayout ? gd._fullLayout : {};
    for (const name of Object.keys(full)) {
      const ax = full[name];
      if (!/^[xy]axis\d*$/.test(name) || !ax || ax.type !== 'log' || !ax._id) continue;
      const axisTicks = [];
      chart.querySelectorAll(`.${ax._id}tick text`).forEach((el) => {
        if (visible(el)) axisTicks.push(el.textContent.replace(/\u200b/g, '').trim());
      });
      logTicks.push(axisTicks);
    }
    const svg = chart.querySelector('.main-svg');
    charts.push({index, texts, plots, legend, logTicks,
      modebar: modebar ? box(modebar) : null,
      title: title && visible(title) ? box(title) : null,
      svg: svg ? box(svg) : null});
  });
  return charts;
}"""

# Every page of the app, by URL path ("" is the Overview).
PAGES = [
    "",
    "forward",
    "error",
    "backward",
    "update",
    "worked_example",
    "gradient_norms",
    "vanishing",
    "optimizers",
    "through_time",
    "local_minima",
    "glossary",
]
TOLERANCE = 1.0  # px: boxes that share an edge or overlap by anti-aliasing do not count


def _overlap(a: dict, b: dict, tol: float = TOLERANCE) -> bool:
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > tol and (
        min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > tol
    )


SETTLE_TIMEOUT = 10.0  # s for the charts to stop moving
SETTLE_POLL = 0.3  # s between two looks at the charts


def chart_layouts(page) -> list[dict]:
    """Every Plotly chart of the page once it has settled: its text boxes, plotting areas,
    legend and toolbar.

    Plotly first draws a chart at a default width, then again at its container's width
    (and once more when fonts arrive): measure only when two looks agree.
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT
    before = page.evaluate(_LAYOUT_JS)
    while True:
        time.sleep(SETTLE_POLL)
        now = page.evaluate(_LAYOUT_JS)
        if now == before or time.monotonic() > deadline:
            return now
        before = now


def text_overlaps(chart: dict) -> list[str]:
    """Pairs of texts of one chart whose boxes overlap, as readable strings."""
    texts = chart["texts"]
    found = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if _overlap(a, b):
                found.append(f"{a['kind']} {a['text']!r} / {b['kind']} {b['text']!r}")
    return found


def legend_on_plot(chart: dict) -> bool:
    """Whether the chart's legend box covers part of one of its plotting areas."""
    legend = chart["legend"]
    return legend is not None and any(_overlap(legend, p, tol=2.0) for p in chart["plots"])


def toolbar_on_title(chart: dict) -> bool:
    """Whether the chart's toolbar (modebar) box covers its title."""
    return bool(chart["modebar"] and chart["title"] and _overlap(chart["modebar"], chart["title"]))


# A label at a power of ten: 10^k in Plotly's "power" format (10−3, 10², ...), or 1, 10, 100,
# 0.1, 0.01 written out.
POWER_OF_TEN = re.compile(r"^(10[−-]?[0-9⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+|0\.0*1|10*)$")


def log_labels_off_decades(chart: dict) -> list[str]:
    """Tick labels of the chart's log axes that are not powers of ten, or appear twice on one.

    Two subplots may each label the same decades: a label repeats only within its own axis.
    """
    bad = []
    for labels in chart["logTicks"]:
        bad += [t for t in labels if not POWER_OF_TEN.match(t)]
        bad += sorted({t for t in labels if labels.count(t) > 1})
    return bad


def texts_cut_off(chart: dict, tol: float = 2.0) -> list[str]:
    """Texts of the chart that reach past its edges (the browser clips them)."""
    svg = chart["svg"]
    if svg is None:
        return []
    return [
        f"{t['kind']} {t['text']!r}"
        for t in chart["texts"]
        if t["x0"] < svg["x0"] - tol or t["x1"] > svg["x1"] + tol
    ]


def problems(page) -> list[str]:
    """Every layout problem of every chart on the page, one readable line each."""
    found = []
    for chart in chart_layouts(page):
        where = f"chart {chart['index']}"
        found += [f"{where}: {pair}" for pair in text_overlaps(chart)]
        if legend_on_plot(chart):
            found.append(f"{where}: legend on the plotting area")
        found += [f"{where}: cut off at the edge: {t}" for t in texts_cut_off(chart)]
        off = log_labels_off_decades(chart)
        if off:
            found.append(f"{where}: log axis labels not at powers of ten: {off[:6]}")
        if toolbar_on_title(chart):
            found.append(f"{where}: toolbar on the title")
    return found
