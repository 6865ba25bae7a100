"""Bar charts as inline SVG, drawn on the server: no script, no CDN, printable."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bars(values: dict[str, float], *, unit: str = "", width: int = 480) -> SafeString:
    """Horizontal bars, one per label; the label and value are written beside each bar."""
    row, label_w, pad = 26, 70, 90
    height = max(1, len(values)) * row + 10
    top = max(values.values(), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for index, (label, value) in enumerate(values.items()):
        y = 5 + index * row
        length = int((width - label_w - pad) * value / top)
        parts.append(
            f'<text x="0" y="{y + 16}" font-size="13">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(length, 1)}" height="20" fill="#2b6cb0">'
            f"<title>{escape(label)}: {value:g}{escape(unit)}</title></rect>"
            f'<text x="{label_w + length + 6}" y="{y + 16}" font-size="13">'
            f"{value:g}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
