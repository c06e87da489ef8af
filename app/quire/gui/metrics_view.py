"""Answer speed per provider and model: medians, p95, fallbacks, and sparklines of recent answers."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quire.gui.workers import run_job

LINE_COLOURS = ["#3b5bdb", "#e8590c", "#2f9e44", "#ae3ec9", "#1098ad", "#f08c00"]


class Sparkline(QWidget):
    """A small line chart of one figure over the last answers, one line per provider/model."""

    def __init__(self, title: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.unit = unit
        self.series: dict[str, list[float]] = {}
        self.setMinimumHeight(140)

    def set_series(self, series: dict[str, list[float]]) -> None:
        self.series = {name: values for name, values in series.items() if values}
        self.update()

    def x_labels(self) -> list[tuple[int, str]]:
        """(index, label) ticks along the x axis: answers counted from the oldest shown, the last
        one marked "latest"."""
        count = max((len(v) for v in self.series.values()), default=0)
        if count == 0:
            return []
        step = max(1, round(count / 6))
        ticks = list(range(0, count, step))
        if ticks[-1] != count - 1:
            ticks.append(count - 1)
        return [(i, "latest" if i == count - 1 and count > 1 else str(i + 1)) for i in ticks]

    def paintEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.text().color()
        area = QRectF(self.rect()).adjusted(44, 22, -10, -38)
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignLeft, f"{self.title}")
        grid = QColor(text)
        grid.setAlpha(50)
        painter.setPen(QPen(grid, 1))
        painter.drawRect(area)
        values = [v for vs in self.series.values() for v in vs]
        if not values:
            painter.setPen(text)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "no answers yet")
            return
        top = max(values) * 1.1 or 1.0
        painter.setPen(text)
        count = max(len(v) for v in self.series.values())
        step_x = area.width() / max(1, count - 1)
        small = painter.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        for index, label in self.x_labels():
            x = area.left() + index * step_x
            painter.drawText(QRectF(x - 24, area.bottom() + 2, 48, 14), Qt.AlignmentFlag.AlignCenter, label)
        painter.drawText(
            QRectF(area.left(), area.bottom() + 14, area.width(), 14),
            Qt.AlignmentFlag.AlignCenter,
            "answers, oldest to latest",
        )
        painter.drawText(QRectF(0, area.top() - 6, 40, 14), Qt.AlignmentFlag.AlignRight, f"{top:.3g}")
        painter.drawText(QRectF(0, area.bottom() - 8, 40, 14), Qt.AlignmentFlag.AlignRight, "0")
        legend_x = area.left()
        for index, (name, series) in enumerate(self.series.items()):
            colour = QColor(LINE_COLOURS[index % len(LINE_COLOURS)])
            path = QPainterPath()
            step = area.width() / max(1, len(series) - 1)
            for i, value in enumerate(series):
                point = QPointF(area.left() + i * step, area.bottom() - value / top * area.height())
                if i == 0:
                    path.moveTo(point)
                else:
                    path.lineTo(point)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawEllipse(point, 2.2, 2.2)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(colour, 1.8))
            painter.drawPath(path)
            painter.drawText(QPointF(legend_x, self.height() - 4), f"■ {name}")
            legend_x += painter.fontMetrics().horizontalAdvance(f"■ {name}") + 16


def _fmt(value: Any, unit: str = "") -> str:
    return "–" if value is None else f"{value:.2f}{unit}"


def _share(share: float | None, rated: int) -> str:
    """ "67% of 3" — the share of rated answers the user marked good (the quality score)."""
    return "–" if share is None else f"{share:.0%} of {rated}"


class MetricsView(QWidget):
    COLUMNS = (
        "Provider",
        "Model",
        "Answers",
        "TTFT median",
        "TTFT p95",
        "tok/s median",
        "tok/s p95",
        "Fallbacks",
        "Stopped",
        "Errors",
        "Peak memory",
        "Rated good",
        "Preferred",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quire: Any = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.caption = QLabel("Speed, memory and your ratings of recent answers, per provider and model")
        self.caption.setObjectName("panelTitle")
        top.addWidget(self.caption, 1)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 2)
        charts = QHBoxLayout()
        self.ttft_chart = Sparkline("Time to first token (s), last answers", "s")
        self.rate_chart = Sparkline("Tokens per second, last answers", "tok/s")
        charts.addWidget(self.ttft_chart)
        charts.addWidget(self.rate_chart)
        layout.addLayout(charts, 3)

    def set_quire(self, quire: Any) -> None:
        self.quire = quire

    def refresh(self) -> None:
        if self.quire is None:
            return
        metrics = self.quire.metrics
        run_job(lambda: (metrics.summary(), metrics.recent(60)), self.show_figures, owner=self)

    def show_figures(self, figures: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        summary, recent = figures
        self.table.setRowCount(len(summary))
        for row, entry in enumerate(summary):
            cells = [
                entry["provider"],
                entry["model"],
                str(entry["answers"]),
                _fmt(entry["ttft_s_median"], " s"),
                _fmt(entry["ttft_s_p95"], " s"),
                _fmt(entry["tokens_per_s_median"]),
                _fmt(entry["tokens_per_s_p95"]),
                str(entry["fallbacks"]),
                str(entry.get("stopped", 0)),  # a Stop is the user's choice, not an error
                str(entry["errors"]),
                _fmt(entry.get("peak_rss_mb"), " MB").replace(".00 MB", " MB"),
                _share(entry.get("rated_good_share"), entry.get("rated", 0)),
                str(entry.get("preferred", 0)),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        ttft: dict[str, list[float]] = {}
        rate: dict[str, list[float]] = {}
        for entry in reversed(recent):  # oldest first, left to right
            name = f"{entry['provider']} · {entry['model']}"
            if entry["ttft_s"] is not None:
                ttft.setdefault(name, []).append(float(entry["ttft_s"]))
            if entry["tokens_per_s"] is not None:
                rate.setdefault(name, []).append(float(entry["tokens_per_s"]))
        self.ttft_chart.set_series(ttft)
        self.rate_chart.set_series(rate)
