"""The goals dashboard: one card per layer of success, each with its key figures in plain
units ("1 every 9 days", "$1.2M", "89%"), from :func:`prototyper.core.evaluation.report.summary`."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QStaticText,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLayout,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..core.evaluation.report import summary
from ..core.format import (
    auc_text,
    duration,
    how_often,
    money_short,
    percent,
    rate_phrase,
    share,
)
from ..core.preset import modes
from ..core.preset.schema import ACTIVE_MODES, SHOWN_MODES
from .document import Analysis, Document
from .theme import COST_COLOR, CURRENT_COLOR, VALUE_COLOR, mode_color

if TYPE_CHECKING:
    from ..core.simulation.results import Simulation

NEUTRAL_COLOR = CURRENT_COLOR
MUTED_COLOR = "#757575"
CARD_COLOR = "#fafafa"
BORDER_COLOR = "#e0e0e0"
FIGURES_PER_CARD = 4
# System first: its value added is the first number anyone reads.
LAYERS = (  # key, title, columns of figures, share of the width
    ("system", "System", 2, 5),
    ("organization", "Organization", 1, 3),
    ("user", "User", 2, 8),
    ("model", "Model", 2, 6),
    ("leading_indicators", "Leading indicators", 2, 6),
)
NOT_MODELLED = "not modelled"


@dataclass(frozen=True)
class Figure:
    """One key figure: the big text, a caption under it, its colour and a full sentence."""

    text: str
    caption: str
    color: str = NEUTRAL_COLOR
    tooltip: str = ""


# --- plain units --------------------------------------------------------------------------


def signed_color(x: float | None) -> str:
    if x is None or not math.isfinite(x) or x == 0:
        return NEUTRAL_COLOR
    return VALUE_COLOR if x > 0 else COST_COLOR


def _money(x: float | None, currency: str) -> str:
    return money_short(x or 0.0, currency)


def _score(t: float) -> str:
    return f"{t:.3g}"


# --- figures per layer --------------------------------------------------------------------


def layer_figures(doc: dict) -> dict[str, list[Figure]]:
    """The figures each card shows, from a :func:`report.summary` document."""
    layers, cur = doc["layers"], doc["scenario"]["currency"]
    org, user = layers["organization"], layers["user"]
    out: dict[str, list[Figure]] = {}

    out["organization"] = organization_figures(org, cur)
    out["system"] = system_figures(doc, cur)

    harms = user["harms_avoided_per_user_year"]
    interruptions = user["interruptions_per_user_day"]
    false_alarms = user["false_alarms_per_user_day"]
    minutes = user["minutes_lost_per_user_day"]
    user_figures = []
    big, caption = how_often(harms, "harm avoided", per="year")
    user_figures.append(
        Figure(
            big,
            caption.replace("harm avoideds", "harms avoided"),
            VALUE_COLOR if harms and harms > 0 else COST_COLOR,
            f"{harms or 0:.3g} harms avoided per user-year (beyond users acting on their own)",
        )
    )
    for rate, noun, note in (
        (interruptions, "interruption", f" ({modes.plural_list(modes.where('interrupts'))})"),
        (false_alarms, "false alarm", ""),
    ):
        big, caption = how_often(rate, noun)
        color = COST_COLOR if rate else NEUTRAL_COLOR
        user_figures.append(Figure(big, caption, color, rate_phrase(rate or 0.0, noun) + note))
    user_figures.append(
        Figure(
            duration(minutes),
            "of a user's attention a day",
            COST_COLOR if minutes else NEUTRAL_COLOR,
        )
    )
    out["user"] = user_figures

    model = layers["model"]
    figures = []
    active = [
        (band, point)
        for band, point in zip(doc["bands"], model["operating_points"], strict=False)
        if not modes.get(band["mode"]).silent
    ]
    if active:  # the lowest threshold that still does something: anything above it acts
        _, point = active[-1]
        at = f"at score ≥ {_score(point['threshold'])}"
        figures += [
            Figure(percent(point["tpr"]), f"of positives caught {at}"),
            Figure(share(point["fpr"]), f"negatives flagged {at}"),
            Figure(percent(point["precision"]), "of those flagged are positive"),
        ]
    figures.append(Figure(auc_text(model["auc"]), "ROC AUC (0.5 = coin flip)"))
    out["model"] = figures

    lead = layers["leading_indicators"]
    per_day = doc["interactions_per_user_day"]
    used = [m for m in ACTIVE_MODES if (per_day[m]["after_cap"] or 0) > 0]
    figures = [
        Figure(
            percent(lead["acts_when_shown"][m]),
            acted_caption(m),
            mode_color(m),
            f"Acts when shown: the share of {modes.get(m).plural} acted on, right or wrong. "
            f"A correct one is acted on {percent(lead['acts_when_right'][m])} of the time "
            "(acts when right).",
        )
        for m in used[:2]
    ]
    demoted = [(m, lead["demoted_share"][m]) for m in ACTIVE_MODES if lead["demoted_share"][m]]
    for m, d in demoted[:1]:
        plural = modes.get(m).plural
        figures.append(Figure(percent(d), f"of {plural} over the daily cap", mode_color(m)))
    shown = [m for m in used if m in SHOWN_MODES]
    if shown:
        m = shown[0]
        figures.append(
            Figure(
                percent(lead["trust"][m]),
                f"trust in {modes.get(m).plural}",
                mode_color(m),
                "Probability matching: users heed a warning at about the rate it proves true",
            )
        )
        figures.append(
            Figure(
                percent(lead["habituation"][m]),
                f"{modes.get(m).name.lower()} effect left after habituation",
                mode_color(m),
            )
        )
    if not figures:
        figures.append(Figure("none", "nothing is shown to users"))
    out["leading_indicators"] = figures[:FIGURES_PER_CARD]
    return out


def layer_notes(doc: dict) -> dict[str, str]:
    """Notes at the right of a card's title: for a real model, the 95% range of value added
    from its evaluation set (see :func:`system_figures`)."""
    interval = doc["value_added"]["interval_95"]
    if interval is None:
        return {}
    cur, ends = doc["scenario"]["currency"], interval["value_added_per_population_day"]
    return {"system": f"95%: {_money(ends['low'], cur)} to {_money(ends['high'], cur)}"}


def organization_figures(org: dict, currency: str) -> list[Figure]:
    """Value added for the business and for operators, modelled ones first; a stakeholder
    the preset gives no payoff says so instead of showing $0."""
    whose = {"business": "the business", "operator": "operators"}
    modelled = [w for w in whose if org[w]["modelled"]]
    figures = []
    for who in modelled:
        added = org[who]["value_added_per_day"]
        figures.append(
            Figure(
                _money(added, currency),
                f"added for {whose[who]} per day",
                signed_color(added),
                f"Value added for {whose[who]} per day against the feature off",
            )
        )
    for who in whose:
        if who not in modelled:
            figures.append(
                Figure(
                    "—",
                    f"{whose[who]}: {NOT_MODELLED}",
                    MUTED_COLOR,
                    f"The preset gives {whose[who]} no payoff: their value is unknown, not $0",
                )
            )
    return figures


def system_figures(doc: dict, currency: str) -> list[Figure]:
    """Value added first (with the evaluation set's 95% range for a real model), then the
    value of correct and the cost of wrong it is made of, then the total with the harm that
    happens anyway, clearly named."""
    system = doc["layers"]["system"]
    added = system["value_added_per_day"] or 0.0
    correct = system["value_of_correct_per_day"] or 0.0
    wrong = system["cost_of_wrong_per_day"] or 0.0
    total = system["total_value_incl_harm_anyway_per_day"] or 0.0
    caption = "value added per day"
    tooltip = "Value added, all users, against the same world with the feature off"
    interval = doc["value_added"]["interval_95"]
    if interval is not None:
        ends = interval["value_added_per_population_day"]
        low, high = _money(ends["low"], currency), _money(ends["high"], currency)
        tooltip += (
            f"; 95% range {low} to {high}: the evaluation set's TPR and FPR at the ends of "
            "their Wilson intervals (rule of three where none are flagged); payoffs and "
            "responses taken as given"
        )

    def figure(value: float, caption: str, color: str, why: str) -> Figure:
        text = _money(value, currency)
        return Figure(text, caption, color, f"{text} {caption}. {why}")

    return [
        figure(added, caption, signed_color(added), tooltip),
        figure(
            correct,
            "value of correct",
            signed_color(correct),
            "Value added on positive events: true positives acted on beyond users acting "
            "on their own, times the harm each avoids",
        ),
        figure(
            wrong,
            "cost of wrong",
            COST_COLOR if wrong > 0 else signed_color(-wrong),
            "Value lost to false alarms acted on and to the attention every interaction "
            "takes; value of correct minus cost of wrong is the value added",
        ),
        figure(
            total,
            "total incl. harm anyway",
            NEUTRAL_COLOR,
            "Net value per day, all users: value added plus the value of the same world "
            "with the feature off, whose harm happens with or without the design",
        ),
    ]


def horizon_figures(sim: Simulation) -> list[Figure]:
    """The simulation's horizon figures: net value and value added over the horizon with
    their 90% ranges over the replications, the users still active, and what the preset's
    dynamics make worth watching (a feedback loop's bias, the model's AUC, trust)."""
    cur, days, s = sim.preset.payoffs.currency, len(sim.days), sim.summary

    def money_range(key: str) -> str:
        stat = s[key]
        return f"90%: {_money(stat.p5, cur)} to {_money(stat.p95, cur)}"

    net, added, active = s["net_value"], s["value_added"], s["active_users"]
    active_range = ""
    if percent(active.p5) != percent(active.p95):
        active_range = f" (90%: {percent(active.p5)} to {percent(active.p95)})"
    figures = [
        Figure(
            _money(added.mean, cur),
            f"added over {days} days ({money_range('value_added')})",
            signed_color(added.mean),
            f"Value added over {days} days against the feature off, all users: mean of "
            f"{sim.replications} replications; 90% of them between the two figures",
        ),
        Figure(
            _money(net.mean, cur),
            f"total incl. harm anyway ({money_range('net_value')})",
            NEUTRAL_COLOR,
            f"Net value over {days} days, all stakeholders, all users, with the harm that "
            "happens with or without the design",
        ),
        Figure(
            percent(active.mean),
            f"of users still active on day {days}{active_range}",
            COST_COLOR if active.mean < 0.995 else NEUTRAL_COLOR,
            "Users who have not switched the feature off",
        ),
    ]
    fb = sim.feedback
    if fb is not None:
        final, truth = float(fb.final_share[:, 0].mean()), float(fb.truth_share[0])
        figures.append(
            Figure(
                percent(final),
                f"of records in {fb.regions[0]} on day {days} (true share {percent(truth)})",
                COST_COLOR if abs(final - truth) > 0.05 else VALUE_COLOR,
                "The share of records the next day's patrols follow",
            )
        )
    if sim.preset.telemetry.enabled:
        figures.append(
            Figure(
                auc_text(s["auc"].mean),
                f"ROC AUC on day {days} (from {auc_text(float(sim.series['auc'].mean[0]))})",
            )
        )
    if sim.preset.dynamics.trust.enabled and math.isfinite(s["trust"].mean):
        figures.append(Figure(percent(s["trust"].mean), "trust, last 30 days"))
    return figures[:HORIZON_FIGURES]


def acted_caption(mode: str) -> str:
    """The caption under a mode's acts-when-shown figure (the share of its interactions
    acted on, right or wrong), from the table of modes."""
    row = modes.get(mode)
    return row.caption or f"of {row.plural} acted on"


# --- widgets ------------------------------------------------------------------------------
# The cards paint their text themselves: some 45 styled QLabels took ~5 ms to repaint, a
# painter drawing the same strings well under 1 ms. The cards draw their own background, so
# they read the same under any application style sheet (lecture mode's black one too).

PAD_X, PAD_Y, GAP_X, GAP_Y = 8, 4, 10, 3
HORIZON_FIGURES = 5
STALE_COLOR = "#bdbdbd"  # figures of a simulation of an earlier design
STALE_NOTE_COLOR = "#b26a00"
FIGURES_KEY_INDEX = 4  # where the figures are in a card image's key (see paintEvent)
CAPTION_LINES = 2  # at most; a longer caption is a defect (see overflowing())
SHARE_SLACK = 0.15  # a card's share of its row follows its minimum width within this much


# A number too wide for its cell is drawn smaller, down to this share of its size, then
# wrapped at its spaces ("every 18" / "months"); it is never cut, so it keeps its unit.
BIG_SCALES = (1.0, 0.9, 0.8, 0.7)
LECTURE_TEXT_COLOR = "#000000"  # projectors wash out greys


class _Fonts:
    """The card fonts, derived from the widget font (so a bigger application font in
    lecture mode makes bigger cards); in lecture mode captions are as large as the body
    text, not smaller."""

    def __init__(self, base: QFont, lecture: bool = False) -> None:
        size = base.pointSizeF() if base.pointSizeF() > 0 else 9.0
        self.title = QFont(base)
        self.title.setPointSizeF(size * 0.9)
        self.title.setBold(True)
        self.big = QFont(base)
        self.big.setPointSizeF(size * 1.45)
        self.big.setBold(True)
        self.big.setStretch(QFont.Stretch.SemiCondensed)
        self.small = QFont(base)
        self.small.setPointSizeF(size * (1.0 if lecture else 0.9))
        self.title_fm, self.big_fm = QFontMetrics(self.title), QFontMetrics(self.big)
        self.small_fm = QFontMetrics(self.small)
        self.bigs: list[tuple[QFont, QFontMetrics]] = []  # the big font at each BIG_SCALES
        for scale in BIG_SCALES:
            font = QFont(self.big)
            font.setPointSizeF(self.big.pointSizeF() * scale)
            self.bigs.append((font, QFontMetrics(font)))


class GoalCard(QWidget):
    """One layer of goals: a title and up to four figures in one or two columns."""

    def __init__(self, title: str, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title, self.columns = title, columns
        self.note, self.note_color = "", MUTED_COLOR  # small text at the right of the title
        self.figures: list[Figure] = []
        self._fonts: _Fonts | None = None
        self._cells: tuple = ((), [])  # (key, cells): laid out once per size and figures
        # Laid-out text kept between paints (a drag changes a few figures, not the captions
        # or the title, whose word wrapping is most of the cost of drawing them).
        self._texts: dict[tuple, QStaticText] = {}
        self._lines: dict[tuple[str, int], int] = {}  # caption lines per (caption, width)
        self._widths: dict[tuple, int] = {}  # min_width per figures shown
        self._image: tuple[tuple, QPixmap] | None = None  # (what it shows, the card drawn)
        self._image_cells: list = []  # the cells as drawn in it
        self.recomputing = False  # figures of the state before a change still being loaded
        self.lecture = False  # black captions and titles, captions at the body text's size
        self.max_columns = columns  # more when the card is wide (the goals in two rows)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def caption_color(self) -> str:
        """The colour of the title and the captions: muted grey, black in lecture mode."""
        return LECTURE_TEXT_COLOR if self.lecture else MUTED_COLOR

    def set_max_columns(self, columns: int) -> None:
        """Up to ``columns`` figures side by side where they fit whole (a wide card is
        then lower)."""
        if columns != self.max_columns:
            self.max_columns = columns
            self._cells = ((), [])
            self.updateGeometry()
            self.update()

    def set_lecture(self, on: bool) -> None:
        if on != self.lecture:
            self.lecture = on
            self._fonts, self._cells = None, ((), [])
            self._texts, self._lines, self._widths = {}, {}, {}
            self.updateGeometry()
            self.update()

    def show_figures(self, figures: list[Figure]) -> None:
        if figures == self.figures:
            return
        self.figures = list(figures)
        self.setToolTip("\n".join(f.tooltip or f"{f.text} {f.caption}" for f in self.figures))
        self.setAccessibleDescription(self.text())
        self.update()

    def show_note(self, note: str) -> None:
        if note != self.note:
            self.note = note
            self.setAccessibleDescription(self.text())
            self.update()

    def text(self) -> str:
        title = f"{self.title} ({self.note})" if self.note else self.title
        if self.recomputing:
            title += " (recomputing)"
        return "\n".join([title, *(f"  {f.text} — {f.caption}" for f in self.figures)])

    def fonts(self) -> _Fonts:
        if self._fonts is None:
            self._fonts = _Fonts(self.font(), self.lecture)
        return self._fonts

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.FontChange:
            self._fonts, self._cells = None, ((), [])
            self._texts, self._lines, self._widths = {}, {}, {}
            self.updateGeometry()
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # captions wrap differently: the height it needs changes

    def cells(self) -> list[tuple[QRect, QRect, Figure]]:
        """Where each figure's big text and caption go."""
        return [(big, caption, figure) for big, caption, figure, _ in self._laid_out()]

    def big_texts(self) -> list[tuple[QRect, str, QFont]]:
        """Each figure's big text as drawn: its rectangle, its text (whole: never cut) and
        the font it is drawn in (smaller than the card's big font when it had to be)."""
        return [(big, figure.text, font) for big, _, figure, font in self._laid_out()]

    def _laid_out(self) -> list[tuple[QRect, QRect, Figure, QFont]]:
        key = (self.width(), tuple(self.figures))
        if key != self._cells[0]:
            self._cells = (key, self._layout(self.width()))
        return self._cells[1]

    def fits_width(self, width: int) -> bool:
        """Whether every figure reads whole in a card ``width`` pixels wide: numbers at
        least at the smallest size, captions in at most CAPTION_LINES lines."""
        f = self.fonts()
        for big, caption, figure, font in self._layout(width):
            if _wrapped_width(QFontMetrics(font), figure.text, big.width()) > big.width():
                return False
            if caption.height() > CAPTION_LINES * f.small_fm.height():
                return False
        return True

    def _layout(self, card_width: int) -> list[tuple[QRect, QRect, Figure, QFont]]:
        """The cells at ``card_width``: in the card's columns, or more of them if that
        makes the card lower (a wide card), or one if a number does not fit a column."""
        f = self.fonts()
        width = card_width - 2 * PAD_X
        best = None
        base = max(1, min(self.columns, len(self.figures)))  # one figure: one column
        most = max(base, min(self.max_columns, len(self.figures)))
        for columns in range(base, most + 1):
            cells = self._cells_in(width, columns)
            if columns > base and not self._whole(cells, f):
                continue
            if best is None or _bottom(cells) < _bottom(best):
                best = cells
        smallest = f.bigs[-1][1]
        cell = (width - GAP_X * (base - 1)) // base
        narrow = any(smallest.horizontalAdvance(g.text) > cell for g in self.figures)
        if base > 1 and narrow:  # a number fits no column even at its smallest
            best = self._cells_in(width, 1)
        return best or []

    def _cells_in(self, width: int, columns: int) -> list[tuple[QRect, QRect, Figure, QFont]]:
        f = self.fonts()
        cell_width = max(1, (width - GAP_X * (columns - 1)) // columns)
        y = PAD_Y + f.title_fm.height() + 2
        out = []
        for row in range(0, len(self.figures), columns):
            row_height = 0
            for col, figure in enumerate(self.figures[row : row + columns]):
                x = PAD_X + col * (cell_width + GAP_X)
                font, big_lines = self._big_font(figure.text, cell_width)
                big = QRect(x, y, cell_width, big_lines * QFontMetrics(font).height())
                lines = self._caption_lines(figure.caption, cell_width)
                caption = QRect(x, big.bottom() + 1, cell_width, lines * f.small_fm.height())
                out.append((big, caption, figure, font))
                row_height = max(row_height, big.height() + caption.height())
            y += row_height + GAP_Y
        return out

    @staticmethod
    def _whole(cells: list, f: _Fonts) -> bool:
        """Every number on one line and every caption in at most CAPTION_LINES."""
        return all(
            big.height() == font_height(font)
            and caption.height() <= CAPTION_LINES * f.small_fm.height()
            for big, caption, _, font in cells
        )

    def min_width(self) -> int:
        """The narrowest the card can be with every number at full size in its columns
        and every caption in at most CAPTION_LINES lines."""
        f = self.fonts()
        key = ("min", self.title, self.note, tuple((g.text, g.caption) for g in self.figures))
        if key not in self._widths:
            cell = max(
                (
                    max(f.big_fm.horizontalAdvance(g.text), self._caption_width(g.caption))
                    for g in self.figures
                ),
                default=40,
            )
            title = f.title_fm.horizontalAdvance(self.title)
            if self.note:  # the note at the right of the title reads whole too
                title += GAP_X + f.small_fm.horizontalAdvance(self.note)
            columns = min(self.columns, max(len(self.figures), 1))
            need = max(columns * cell + GAP_X * (columns - 1), title)
            if len(self._widths) > 256:
                self._widths.clear()
            self._widths[key] = need + 2 * PAD_X + 1
        return self._widths[key]

    def _caption_width(self, caption: str) -> int:
        """The narrowest a caption wraps into CAPTION_LINES lines at most."""
        key = ("caption", caption)
        if key in self._widths:
            return self._widths[key]
        fm = self.fonts().small_fm
        flags = int(Qt.TextFlag.TextWordWrap)

        def fits(w: int) -> bool:
            rect = fm.boundingRect(QRect(0, 0, w, 10_000), flags, caption)
            return rect.width() <= w and rect.height() <= CAPTION_LINES * fm.height() + 1

        low, high = 1, fm.horizontalAdvance(caption) + 2
        while low < high:
            middle = (low + high) // 2
            if fits(middle):
                high = middle
            else:
                low = middle + 1
        self._widths[key] = low
        return low

    def _big_font(self, text: str, width: int) -> tuple[QFont, int]:
        """The largest of the big fonts the text fits ``width`` in on one line; else the
        smallest, wrapped at spaces (the number of lines)."""
        for font, fm in self.fonts().bigs:
            if fm.horizontalAdvance(text) <= width:
                return font, 1
        font, fm = self.fonts().bigs[-1]
        flags = int(Qt.TextFlag.TextWordWrap)
        height = fm.boundingRect(QRect(0, 0, max(width, 1), 10_000), flags, text).height()
        return font, max(1, round(height / fm.height()))

    def _caption_lines(self, caption: str, width: int) -> int:
        key = (caption, width)
        if key not in self._lines:
            if len(self._lines) > 512:  # captions seen at other widths
                self._lines.clear()
            fm = self.fonts().small_fm
            flags = int(Qt.TextFlag.TextWordWrap)
            height = fm.boundingRect(QRect(0, 0, width, 10_000), flags, caption).height()
            self._lines[key] = max(1, round(height / fm.height()))
        return self._lines[key]

    def _draw(
        self, p: QPainter, rect: QRect, text: str, font: QFont, wrap: bool, used: dict
    ) -> None:
        """Draw ``text`` at the top left of ``rect`` (word-wrapped to its width if ``wrap``),
        laid out once and reused while the text, font and width stay the same (the fonts
        change only with a FontChange, which empties the store; wrapped text is small)."""
        key = (text, rect.width() if wrap else -1, font.pointSizeF())
        static = self._texts.get(key)
        if static is None:
            static = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            if wrap:
                static.setTextWidth(rect.width())
            static.prepare(p.transform(), font)
        used[key] = static
        p.drawStaticText(rect.topLeft(), static)

    def overflowing(self) -> list[str]:
        """Figures that do not fit their cell (text too wide, caption too long, or below
        the bottom of the card): empty when everything is readable."""
        f = self.fonts()
        bad = []
        for big, caption, figure, font in self._laid_out():
            if _wrapped_width(QFontMetrics(font), figure.text, big.width()) > big.width():
                bad.append(figure.text)
            elif caption.height() > CAPTION_LINES * f.small_fm.height():
                bad.append(figure.caption)
            elif caption.bottom() > self.height() - 2:
                bad.append(figure.caption)
        if self.note:
            room = self.width() - 2 * PAD_X - f.title_fm.horizontalAdvance(self.title) - GAP_X
            if f.small_fm.horizontalAdvance(self.note) > room:
                bad.append(self.note)
        return bad

    def sizeHint(self) -> QSize:  # noqa: N802
        cells = self.cells()
        bottom = max((c.bottom() for _, c, _ in cells), default=PAD_Y + 20)
        return QSize(200, bottom + PAD_Y + 2)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        # The card as last drawn, kept as an image: a window repaints a card far more often
        # than its figures change (a neighbour's update, an expose), and a copy of the image
        # costs a fraction of laying out and drawing its texts again.
        ratio = self.devicePixelRatioF()
        key = (
            self.width(),
            self.height(),
            ratio,
            self.fonts(),  # a new object after a font change
            tuple(self.figures),  # (at FIGURES_KEY_INDEX)
            self.title,
            self.note,
            self.note_color,
            self.recomputing,
            self.lecture,
            self.max_columns,
        )
        cached = self._image
        if (
            cached is None
            or len(cached[0]) != len(key)
            or any(a is not b and a != b for a, b in zip(cached[0], key, strict=True))
        ) and not self._patch(key):
            image = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
            image.setDevicePixelRatio(ratio)
            image.fill(Qt.GlobalColor.transparent)  # the rounded corners show what is behind
            painter = QPainter(image)
            self._paint(painter)
            painter.end()
            self._image, self._image_cells = (key, image), self._laid_out()
        cached = self._image
        assert cached is not None
        p = QPainter(self)
        p.drawPixmap(0, 0, cached[1])
        p.end()

    def _patch(self, key: tuple) -> bool:
        """Redraw, in the card's image, only the numbers and captions that changed (a drag
        changes a few on every step, not their places or sizes); False if anything else
        changed, for the whole card to be drawn again."""
        if self._image is None or self.recomputing:
            return False
        old_key, image = self._image
        figures = FIGURES_KEY_INDEX
        if len(old_key) != len(key) or any(
            i != figures and a is not b and a != b
            for i, (a, b) in enumerate(zip(old_key, key, strict=True))
        ):
            return False
        old, new = self._image_cells, self._laid_out()
        if len(old) != len(new) or any(
            (a[0], a[1], a[3]) != (b[0], b[1], b[3]) for a, b in zip(old, new, strict=True)
        ):
            return False
        if len(self._texts) > 64:  # the numbers a drag went through
            self._texts = {}
        small, muted = self.fonts().small, QColor(self.caption_color())
        painter = QPainter(image)
        for (_, _, was, _), (big, caption, figure, font) in zip(old, new, strict=True):
            # Each rectangle cleared a little wider than its text, for a glyph that
            # overhangs its advance: within the gap between columns, clear of the border.
            if (was.text, was.color) != (figure.text, figure.color):
                painter.fillRect(big.adjusted(-2, 0, 2, 0), QColor(CARD_COLOR))
                painter.setFont(font)
                painter.setPen(QColor(figure.color))
                wrap = big.height() > font_height(font)
                self._draw(painter, big, figure.text, font, wrap, self._texts)
            if was.caption != figure.caption:  # (a threshold in it)
                painter.fillRect(caption.adjusted(-2, 0, 2, 0), QColor(CARD_COLOR))
                painter.setFont(small)
                painter.setPen(muted)
                self._draw(painter, caption, figure.caption, small, True, self._texts)
        painter.end()
        self._image, self._image_cells = (key, image), new
        return True

    def _paint(self, p: QPainter) -> None:
        f = self.fonts()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(BORDER_COLOR), 1))
        p.setBrush(QColor(CARD_COLOR))
        p.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), 6, 6)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setFont(f.title)
        muted = QColor(self.caption_color())
        p.setPen(muted)
        title = QRect(PAD_X, PAD_Y, self.width() - 2 * PAD_X, f.title_fm.height())
        heading = f"{self.title} — recomputing…" if self.recomputing else self.title
        p.drawText(title, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), heading)
        if self.note:
            p.setFont(f.small)
            lecture_note = self.lecture and self.note_color == MUTED_COLOR
            p.setPen(QColor(LECTURE_TEXT_COLOR if lecture_note else self.note_color))
            room = title.width() - f.title_fm.horizontalAdvance(heading) - GAP_X
            note = f.small_fm.elidedText(self.note, Qt.TextElideMode.ElideRight, max(room, 0))
            right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            p.drawText(title, right, note)
        used: dict[tuple, QStaticText] = {}
        for big, caption, figure, font in self._laid_out():
            p.setFont(font)
            p.setPen(QColor(STALE_COLOR if self.recomputing else figure.color))
            self._draw(p, big, figure.text, font, big.height() > font_height(font), used)
            p.setFont(f.small)
            p.setPen(muted)
            self._draw(p, caption, figure.caption, f.small, True, used)
        self._texts = used  # only what is on the card now


def _bottom(cells: list) -> int:
    return max((caption.bottom() for _, caption, *_ in cells), default=0)


def font_height(font: QFont) -> int:
    return QFontMetrics(font).height()


def _wrapped_width(fm: QFontMetrics, text: str, width: int) -> int:
    """How wide ``text`` is drawn in ``width`` pixels, wrapped at its spaces if need be
    (wider than ``width`` when one word alone is)."""
    if fm.horizontalAdvance(text) <= width:
        return fm.horizontalAdvance(text)
    return max(fm.horizontalAdvance(word) for word in text.split())


class HorizonCard(GoalCard):
    """The simulation's figures over the horizon, in one row, with a note at the right of
    the title (the run's settings, or that it is stale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", HORIZON_FIGURES, parent)
        self.note, self.stale = "", False

    def show_horizon(self, title: str, figures: list[Figure], note: str, stale: bool) -> None:
        self.title, self.note, self.stale = title, note, stale
        self.note_color = STALE_NOTE_COLOR if stale else MUTED_COLOR
        self._cells = ((), [])
        self.show_figures(figures)
        self.setAccessibleDescription(self.text())
        self.update()


class QtGoalsDashboard(QWidget):
    """One card per layer of goals: Organization, System, User, Model, Leading indicators."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        # As many cards in a row as fit with their figures whole (a narrow window or
        # lecture mode's larger type takes more rows): never overlapping, never cut.
        self.rows = tuple(QHBoxLayout() for _ in LAYERS)
        for row in self.rows:
            row.setSpacing(6)
            column.addLayout(row)
        self.cards: dict[str, GoalCard] = {}
        for key, title, columns, stretch in LAYERS:
            self.cards[key] = card = GoalCard(title.upper(), columns)
            self.rows[0].addWidget(card, stretch=stretch)
        self.arrangement: list[list[str]] = [[key for key, *_ in LAYERS]]
        # The simulation's figures, below the static ones once a simulation has run.
        self.horizon = HorizonCard()
        self.horizon.hide()
        column.addWidget(self.horizon)
        # Always as tall as the figures need: the plots below give way, never the goals.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.figures: dict[str, list[Figure]] = {}
        self.notes: dict[str, str] = {}
        document.changed.connect(self.set_analysis)
        self.set_analysis(document.analysis)

    def set_analysis(self, analysis: Analysis) -> None:
        doc = summary(analysis.evaluation, analysis.scores)
        self.figures, self.notes = layer_figures(doc), layer_notes(doc)
        for key, card in self.cards.items():
            card.show_figures(self.figures[key])
        self.cards["system"].show_note(self.notes.get("system", ""))
        if not (self._document.drafting and analysis is self._document.analysis):
            self._arrange(self.width())  # a drag's frames leave the cards where they are

    def set_lecture(self, on: bool) -> None:
        """Lecture mode: black captions as large as the body text (the fonts themselves
        follow the application font)."""
        for card in (*self.cards.values(), self.horizon):
            card.set_lecture(on)
        self._arrange(self.width())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._arrange(self.width())

    def _arrange(self, width: int) -> None:
        """Cards in order, in as few rows as their minimum widths allow; each card's share
        of its row in proportion to its minimum width (within SHARE_SLACK), so every one
        gets at least that.
        A card alone in a row and still too narrow shrinks its numbers, then wraps them."""
        spacing = self.rows[0].spacing()
        rows: list[list[str]] = [[]]
        used = 0
        needs = {key: card.min_width() for key, card in self.cards.items()}
        for key, *_ in LAYERS:
            if rows[-1] and used + spacing + needs[key] > width:
                rows.append([])
                used = 0
            used += needs[key] + (spacing if rows[-1] else 0)
            rows[-1].append(key)
        several = len(rows) > 1
        for card in self.cards.values():
            card.set_max_columns(FIGURES_PER_CARD if several else card.columns)
        stretches = [[needs[key] for key in row] for row in rows]
        if rows == self.arrangement and self._shares_hold(stretches, width, spacing):
            return
        self.arrangement, self._stretches = rows, stretches
        for key in self.cards:
            for layout in self.rows:
                layout.removeWidget(self.cards[key])
        for layout, keys in zip(self.rows, rows, strict=False):
            for key in keys:
                layout.addWidget(self.cards[key], stretch=needs[key])
        for card in self.cards.values():
            card.updateGeometry()
        self.layout().activate()  # the cards take their places now, not at the next event

    def _shares_hold(self, needs: list[list[int]], width: int, spacing: int) -> bool:
        """Whether the cards' current shares of their rows still suit their minimum widths
        ``needs``: each card still gets at least its need, and no need moved more than
        SHARE_SLACK from the share it was given. A drag changes a figure's width by a few
        pixels on every step; moving every card and laying out its figures again for that
        would cost more than the rest of the step."""
        old = getattr(self, "_stretches", None)
        if old is None or [len(r) for r in old] != [len(r) for r in needs]:
            return False
        for shares, wants in zip(old, needs, strict=True):
            room = width - spacing * (len(shares) - 1)
            total = sum(shares)
            for given, want in zip(shares, wants, strict=True):
                if room * given / total < want or abs(want - given) > SHARE_SLACK * given:
                    return False
        return True

    @property
    def recomputing(self) -> bool:
        return any(card.recomputing for card in self.cards.values())

    def set_recomputing(self, on: bool) -> None:
        """Grey the figures and say "recomputing…" while a change waits for its model to be
        read; the figures stay those of the state before it until then."""
        for card in self.cards.values():
            if card.recomputing != on:
                card.recomputing = on
                card.setAccessibleDescription(card.text())
                card.update()

    def set_horizon(self, simulation: Simulation | None, stale: bool) -> None:
        """Show a simulation's horizon figures (greyed when the design changed since), or
        none."""
        if simulation is None:
            self.horizon.hide()
            return
        figures = horizon_figures(simulation)
        if stale:
            figures = [replace(f, color=STALE_COLOR) for f in figures]
            note = "stale — press Simulate (Ctrl+R)"
        else:
            note = (
                f"seed {simulation.seed}, {simulation.replications} replications, "
                f"{simulation.users:,} users simulated"
            )
        title = f"OVER {len(simulation.days)} DAYS (SIMULATED)"
        self.horizon.show_horizon(title, figures, note, stale)
        self.horizon.show()

    def overflowing(self) -> dict[str, list[str]]:
        """Per card, the figures that do not fit (for tests)."""
        cards = dict(self.cards)
        if self.horizon.isVisibleTo(self):
            cards["horizon"] = self.horizon
        return {key: bad for key, card in cards.items() if (bad := card.overflowing())}

    def text(self) -> str:
        """Everything the cards say, one figure a line (for tests and accessibility)."""
        cards = [self.cards[key] for key, *_ in LAYERS]
        if self.horizon.isVisibleTo(self):
            cards.append(self.horizon)
        return "\n".join(card.text() for card in cards)


class GoalsArea(QScrollArea):
    """The goals above the plots: as tall as the cards need, up to MAX_SHARE of the
    height of ``parent`` (the window's central area); taller (several rows of cards in a
    small window, or with the design panel in lecture mode) it scrolls, so the plots keep
    room to be read."""

    MAX_SHARE = 0.45

    def __init__(self, goals: QtGoalsDashboard, parent: QWidget) -> None:
        super().__init__(parent)
        self.goals = goals
        self.setWidget(goals)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        goals.installEventFilter(self)
        parent.installEventFilter(self)

    def sizeHint(self) -> QSize:  # noqa: N802
        parent = self.parentWidget()
        room = int(parent.height() * self.MAX_SHARE)
        if parent.layout() is not None:  # what the plots below need at the least
            room = min(room, parent.height() - self._others_minimum(parent.layout()))
        need = self.goals.sizeHint().height()
        if need > room:
            room = self.whole_rows_height(room)
        return QSize(self.goals.sizeHint().width(), max(min(need, room), 40))

    def _others_minimum(self, layout: QLayout) -> int:
        """The least height the rest of ``layout`` (a column) takes, spacing and margins
        included (not the layout's own minimum: that asks this area's size hint)."""
        items = [layout.itemAt(i) for i in range(layout.count())]
        others = [i for i in items if i.widget() is not self and not i.isEmpty()]
        margins = layout.contentsMargins()
        spacing = max(layout.spacing(), 0) * len(others)
        least = sum(i.minimumSize().height() for i in others)
        return least + spacing + margins.top() + margins.bottom()

    def whole_rows_height(self, room: int) -> int:
        """The height of the rows of cards that fit in ``room`` whole: a scrolled area that
        ends at a card's edge shows no row cut in half (the first row always shows whole)."""
        goals = self.goals
        edges = [row.geometry().bottom() + 1 for row in goals.rows if row.count()]
        if goals.horizon.isVisibleTo(goals):
            edges.append(goals.horizon.geometry().bottom() + 1)
        edges = [e for e in edges if e > 0]
        if not edges:
            return room
        fitting = [e for e in edges if e <= room]
        return max(fitting) if fitting else edges[0]

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, 40)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if (watched is self.goals and kind in (QEvent.Type.LayoutRequest, QEvent.Type.Resize)) or (
            watched is self.parentWidget() and kind == QEvent.Type.Resize
        ):
            # the cards' height or rows (where a row ends), or the room for them changed
            self.updateGeometry()
        return False
