"""Character recognition for scans: the optional extra `xxgk[ocr]` (rapidocr-onnxruntime,
whose wheels carry their models; nothing is downloaded at run time).

Without the extra nothing is guessed: `read_image` returns an empty Document with an
OCR_UNAVAILABLE warning, and `read_pdf` reports scanned pages with IMAGE_ONLY_PDF /
IMAGE_PAGES. Every cell that OCR produced has Location(via="ocr").
"""

from __future__ import annotations

import importlib.util
import io

from ..document import Document, Warning
from .errors import UnsupportedInput

MAX_PIXELS = 40_000_000  # bigger images are scaled down before recognition

INSTALL_HINT = (
    "install the optional extra xxgk[ocr] (pip install 'xxgk[ocr]', i.e. rapidocr-onnxruntime) to read scanned pages"
)

_engine = None
_available: bool | None = None


def ocr_available() -> bool:
    """True when the OCR extra is installed and its engine loads."""
    global _available
    if _available is None:
        _available = importlib.util.find_spec("rapidocr_onnxruntime") is not None
        if _available:
            try:
                _get_engine()
            except Exception:
                _available = False
    return _available


def _get_engine():
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR

        _engine = RapidOCR()
    return _engine


def ocr_chunks(image) -> list[tuple[str, float, float, float, float]]:
    """A PIL image -> recognised text boxes (text, x0, top, x1, bottom) in pixels."""
    import numpy as np

    img = image.convert("RGB")
    w, h = img.size
    scale = 1.0
    if w * h > MAX_PIXELS:
        scale = (MAX_PIXELS / (w * h)) ** 0.5
        img = img.resize((max(1, int(w * scale)), max(1, int(h * scale))))
    result, _ = _get_engine()(np.asarray(img))
    out = []
    for box, text, _score in result or []:
        text = (text or "").strip()
        if not text:
            continue
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        out.append((text, min(xs) / scale, min(ys) / scale, max(xs) / scale, max(ys) / scale))
    return out


def read_image(data: bytes) -> Document:
    """An image file (PNG, JPEG, TIFF …) of a report page -> Document, by OCR."""
    try:
        from PIL import Image

        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as e:
        raise UnsupportedInput(f"not a readable image: {e}") from None
    if not ocr_available():
        return Document(
            (),
            "image",
            (),
            (Warning("OCR_UNAVAILABLE", f"the file is an image; no text was read from it: {INSTALL_HINT}"),),
        )
    from .pdf import RawPage, _assemble, _layout_page

    pages = []
    n = getattr(img, "n_frames", 1) or 1
    for k in range(min(n, 50)):
        if n > 1:
            img.seek(k)
        frame = img.copy()
        rp = RawPage(k + 1, float(frame.size[0]), float(frame.size[1]))
        rp.chunks = ocr_chunks(frame)
        rp.via = "ocr"
        pages.append(_layout_page(rp))
    blocks = _assemble(pages)
    return Document(
        tuple(blocks), "image", (), (Warning("OCR_USED", "the text was read by OCR; cells are marked via=ocr"),)
    )


def ocr_pdf_pages(data: bytes, pages=None, *, scale: float = 2.5) -> Document:
    """Render PDF pages (1-based numbers; all when None) and read them by OCR only,
    ignoring any text layer. Without the extra: an empty Document with a warning."""
    if not ocr_available():
        return Document((), "pdf", (), (Warning("OCR_UNAVAILABLE", f"no text was read by OCR: {INSTALL_HINT}"),))
    from .pdf import MAX_OCR_PAGES, RawPage, _assemble, _layout_page, _open

    src = _open(data, "pdfium")
    try:
        numbers = list(pages) if pages is not None else list(range(1, src.npages + 1))
        numbers = [p for p in numbers if 1 <= p <= src.npages][:MAX_OCR_PAGES]
        results = []
        for p in numbers:
            img = src.render(p - 1, scale)
            rp = RawPage(p, img.size[0] / scale, img.size[1] / scale)
            rp.chunks = [(t, x0 / scale, y0 / scale, x1 / scale, y1 / scale) for t, x0, y0, x1, y1 in ocr_chunks(img)]
            rp.via = "ocr"
            results.append(_layout_page(rp))
    finally:
        src.close()
    return Document(
        tuple(_assemble(results)),
        "pdf",
        (),
        (Warning("OCR_USED", "the text was read by OCR; cells are marked via=ocr"),),
    )
