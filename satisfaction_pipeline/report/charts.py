"""The report's charts: SVG drawn by matplotlib, embedded as `data:` images (the PDF renderer
may read those, and the HTML stays one self-contained file).

- a metric's last weeks: the score as a line with its 95 % interval as a band;
- the NPS mix: promoters, passives and detractors as stacked bars.

Made to print in greyscale (dark line on a light band; three distinct greys and a hatch for
detractors) and to be byte-for-byte the same for the same data: no date in the file, a fixed
hash salt for element ids, text drawn as paths (no font to fetch, same glyphs everywhere).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass

import matplotlib
import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from satisfaction_pipeline.formats import (
    format_number,
    format_score,
    metric_name,
    month_day,
)
from satisfaction_pipeline.i18n import N_, translations

STYLE = {
    "svg.hashsalt": "satisfaction_pipeline",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.labelcolor": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
}
SIZE = (3.4, 1.7)  # inches: three across an A4 page


@dataclass(frozen=True)
class Chart:
    data_uri: str  # data:image/svg+xml;base64,…
    alt: str  # what the chart says, for screen readers and when images are off


def trend(rows: pl.DataFrame, metric: str, scale: str, language: str) -> Chart | None:
    """A metric's weekly score with its 95 % interval (rows: week, score, ci_low, ci_high, n
    of `marts.weekly_scores`, overall); None with fewer than two weeks."""
    _ = translations(language).gettext
    rows = rows.sort("week")
    if rows.height < 2:
        return None
    weeks = rows["week"].to_list()
    x = _positions(weeks)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=SIZE)  # not pyplot's: no window manager, nothing to close
        axes = figure.subplots()
        low = rows["ci_low"].fill_null(rows["score"]).to_list()
        high = rows["ci_high"].fill_null(rows["score"]).to_list()
        # a week without answers breaks the line and the band: nothing is drawn across it
        gap_x, (gap_low, gap_high, gap_score) = _broken(x, low, high, rows["score"].to_list())
        axes.fill_between(gap_x, gap_low, gap_high, color="#d0d0d0", linewidth=0, label="95 %")
        axes.plot(gap_x, gap_score, color="#111111", marker="o", markersize=2.5,
                  linewidth=1.4)  # fmt: skip
        unit = " (%)" if metric == "csat" else ""
        axes.set_title(metric_name(metric, scale) + unit, loc="left", fontsize=9, fontweight="bold")
        _week_axis(axes, weeks, language)
        decimals = 2 if metric == "ces" else 0
        axes.yaxis.set_major_locator(MaxNLocator(4))
        axes.yaxis.set_major_formatter(
            FuncFormatter(lambda v, _: format_number(v, language, decimals))
        )
        uri = _svg(figure)
    first, last = rows.row(0, named=True), rows.row(-1, named=True)
    alt = _(
        "{name} over {k} weeks{gaps}: {a} in the week of {d0}, {b} in the week of {d1}; "
        "the grey band is the 95% interval."
    ).format(
        name=metric_name(metric, scale),
        k=_span(weeks) + 1,
        gaps=_gaps(weeks, language),
        a=format_score(metric, first["score"], language),
        b=format_score(metric, last["score"], language),
        d0=_day(weeks[0], language),
        d1=_day(weeks[-1], language),
    )
    return Chart(uri, alt)


NPS_LABELS = (N_("Promoters"), N_("Passives"), N_("Detractors"))


def nps_mix(rows: pl.DataFrame, language: str) -> Chart | None:
    """Promoters, passives, detractors as shares of each week's NPS answers (rows: week,
    promoters, passives, detractors, n); None with fewer than two weeks."""
    rows = rows.filter(pl.col("n") > 0).sort("week")
    if rows.height < 2:
        return None
    weeks = rows["week"].to_list()
    x = _positions(weeks)
    shares = {k: (rows[k] / rows["n"] * 100).to_list()
              for k in ("promoters", "passives", "detractors")}  # fmt: skip
    _ = translations(language).gettext
    labels = [_(label) for label in NPS_LABELS]
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=SIZE)
        axes = figure.subplots()
        bottom = [0.0] * len(x)
        looks = (("#222222", ""), ("#9a9a9a", ""), ("#e4e4e4", "////"))
        for (key, label), (color, hatch) in zip(zip(shares, labels, strict=True), looks,
                                                strict=True):  # fmt: skip
            axes.bar(x, shares[key], bottom=bottom, color=color, hatch=hatch, width=0.7,
                     edgecolor="#555555", linewidth=0.3, label=label)  # fmt: skip
            bottom = [b + s for b, s in zip(bottom, shares[key], strict=True)]
        axes.set_ylim(0, 100)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
        axes.set_title(
            _("NPS mix (% of answers)"),
            loc="left", fontsize=9, fontweight="bold",
        )  # fmt: skip
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False,
                    fontsize=7)  # fmt: skip
        _week_axis(axes, weeks, language)
        uri = _svg(figure)
    last = rows.row(-1, named=True)
    alt = _(
        "NPS mix over {k} weeks{gaps}; in the week of {d}: {p} promoters, {q} passives, "
        "{r} detractors."
    ).format(
        k=_span(weeks) + 1,
        gaps=_gaps(weeks, language),
        d=_day(weeks[-1], language),
        **{
            name: format_score("csat", 100 * last[key] / last["n"], language)
            for name, key in (("p", "promoters"), ("q", "passives"), ("r", "detractors"))
        },
    )
    return Chart(uri, alt)


def _positions(weeks: list[dt.date]) -> list[float]:
    """Each week's place on a real time axis: weeks since the first one shown."""
    return [(week - weeks[0]).days / 7 for week in weeks]


def _broken(x: list[float], *series: list[float]) -> tuple[list[float], list[list[float]]]:
    """`x` and each series with a nan wherever a week is missing between two points, which
    matplotlib draws as a break."""
    out_x: list[float] = []
    out: list[list[float]] = [[] for _ in series]
    for i, position in enumerate(x):
        if i and position - x[i - 1] > 1:
            out_x.append((position + x[i - 1]) / 2)
            for values in out:
                values.append(float("nan"))
        out_x.append(position)
        for values, source in zip(out, series, strict=True):
            values.append(source[i])
    return out_x, out


def week_axis(weeks: list[dt.date], language: str) -> tuple[list[int], list[str], list[int]]:
    """The real span of `weeks` (sorted): the positions and dates of at most four evenly spaced
    labels, and the positions of the weeks without answers."""
    span = _span(weeks)
    step = max(1, -(-(span + 1) // 4))  # at most four labels: they must not run into each other
    ticks = list(range(0, span + 1, step))
    labels = [_day(weeks[0] + dt.timedelta(weeks=k), language) for k in ticks]
    present = {round(p) for p in _positions(weeks)}
    return ticks, labels, [k for k in range(span + 1) if k not in present]


def _week_axis(axes, weeks: list[dt.date], language: str) -> None:
    """Dates on a real time axis, each week without answers shaded, so a gap reads as one."""
    ticks, labels, missing = week_axis(weeks, language)
    axes.set_xticks(ticks, labels)
    for k in missing:
        # no hatch: matplotlib draws it in the band's own colour (invisible), yet as a pattern of
        # a few thousand dots that made each chart 256 KB and took WeasyPrint 0.55 s per report
        axes.axvspan(k - 0.5, k + 0.5, color="#eeeeee", linewidth=0, zorder=0)
    axes.set_xlim(-0.5, _span(weeks) + 0.5)


def _span(weeks: list[dt.date]) -> int:
    """Weeks from the first of `weeks` to the last."""
    return round((weeks[-1] - weeks[0]).days / 7)


def _gaps(weeks: list[dt.date], language: str) -> str:
    """ "; no answers in 3 of them" when weeks are missing from the span, else nothing."""
    missing = len(week_axis(weeks, language)[2])
    if not missing:
        return ""
    return translations(language).gettext("; no answers in {n} of them").format(n=missing)


def _day(day: dt.date, language: str) -> str:
    return month_day(day, language)


def _svg(figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout(pad=0.4)
    # no layout engine left behind: with one, savefig lays the whole chart out once more before
    # drawing it (a quarter of a chart's time), to place nothing differently
    figure.set_layout_engine(None)
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
