"""A PDF's pages one under another, drawn at a zoom, with marks over the text: the cited passage,
the sentence in it that backs the answer, find matches. Pages are rendered when they come into
view (a few are cached), so a 500-page report opens as fast as a 4-page one."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QWidget

from quire.gui.style import current

MARGIN = 16  # around and between pages
CACHE_PAGES = 8


@dataclass(frozen=True)
class Mark:
    """Polygons on one page, in the page's points (QPdfSelection bounds), and what they mark."""

    page: int
    polygons: tuple[QPolygonF, ...]
    kind: str  # passage | support | find | current
    text: str = ""  # the page text it covers


class PdfPages(QWidget):
    layout_changed = Signal()

    def __init__(self, document: QPdfDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.zoom = 1.0  # 1.0 = 72 points per inch on a 96-dpi screen's logical pixels
        self.marks: list[Mark] = []
        self._tops: list[float] = []
        self._sizes: list[QSize] = []
        self._cache: OrderedDict[tuple[int, int], QImage] = OrderedDict()
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    # Layout --------------------------------------------------------------------------------------

    def scale(self) -> float:
        """Logical pixels per PDF point at the current zoom."""
        return self.zoom * self.logicalDpiY() / 72.0

    def relayout(self) -> None:
        scale = self.scale()
        self._sizes, self._tops = [], []
        y = float(MARGIN)
        width = 0
        for page in range(self.document.pageCount()):
            points = self.document.pagePointSize(page)
            size = QSize(max(1, round(points.width() * scale)), max(1, round(points.height() * scale)))
            self._sizes.append(size)
            self._tops.append(y)
            y += size.height() + MARGIN
            width = max(width, size.width())
        self.setFixedSize(width + 2 * MARGIN, int(y))
        self._cache.clear()
        self.update()
        self.layout_changed.emit()

    def widest_page_points(self) -> float:
        return max(
            (self.document.pagePointSize(p).width() for p in range(self.document.pageCount())), default=595
        )

    def page_rect(self, page: int) -> QRect:
        if not 0 <= page < len(self._sizes):
            return QRect()
        size = self._sizes[page]
        left = (self.width() - size.width()) // 2
        return QRect(left, int(self._tops[page]), size.width(), size.height())

    def page_at(self, y: float) -> int:
        """The page at height y (or the last one above it)."""
        found = 0
        for page, top in enumerate(self._tops):
            if top - MARGIN / 2 <= y:
                found = page
        return found

    def to_widget(self, page: int, point: QPointF) -> QPointF:
        rect = self.page_rect(page)
        scale = self.scale()
        return QPointF(rect.left() + point.x() * scale, rect.top() + point.y() * scale)

    def mark_rect(self, mark: Mark) -> QRectF:
        """Where a mark is drawn, in this widget's pixels (to scroll it into view)."""
        box = QRectF()
        for polygon in mark.polygons:
            box = box.united(QPolygonF([self.to_widget(mark.page, p) for p in polygon]).boundingRect())
        return box

    # Painting ------------------------------------------------------------------------------------

    def _image(self, page: int, size: QSize) -> QImage:
        key = (page, size.width())
        image = self._cache.get(key)
        if image is None:
            ratio = self.devicePixelRatioF()
            image = self.document.render(
                page, QSize(round(size.width() * ratio), round(size.height() * ratio))
            )
            image.setDevicePixelRatio(ratio)
            self._cache[key] = image
            while len(self._cache) > CACHE_PAGES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return image

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        area = event.rect()
        theme = current()
        colours = {
            "passage": QColor(theme.passage),
            "support": QColor(theme.support),
            "find": QColor(theme.find),
            "current": QColor(theme.find),
        }
        for page in range(len(self._sizes)):
            rect = self.page_rect(page)
            if not rect.intersects(area):
                continue
            painter.fillRect(rect.adjusted(1, 2, 1, 2), QColor(0, 0, 0, 40))  # a soft shadow
            painter.fillRect(rect, Qt.GlobalColor.white)
            painter.drawImage(rect.topLeft(), self._image(page, rect.size()))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for mark in (m for m in self.marks if m.page == page):
                painter.setPen(QPen(QColor(theme.accent), 2) if mark.kind == "current" else Qt.PenStyle.NoPen)
                painter.setBrush(colours[mark.kind])
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
                for polygon in mark.polygons:
                    painter.drawPolygon(QPolygonF([self.to_widget(page, p) for p in polygon]))
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.end()
