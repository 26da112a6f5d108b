"""Building blocks of the self-contained HTML pages (run reports, sweep reports): inline
style, tables, and images embedded as data: URIs. No script, no external reference."""

from __future__ import annotations

import base64
from html import escape

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 80em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.better { color: #070; font-weight: bold; } .worse { color: #b00; font-weight: bold; }
.baseline { background: #fff4e0; } figure { margin: 1em 0; } pre { background: #f6f6f6; }
"""


def image(png: bytes, alt: str, caption: str | None = None, mime: str = "image/png") -> str:
    data = base64.b64encode(png).decode()
    text = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{escape(alt)}" src="data:{mime};base64,{data}">{text}</figure>'


def table(head: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    out = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for i, row in enumerate(rows):
        css = f' class="{classes[i]}"' if classes and classes[i] else ""
        out.append(f"<tr{css}>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
    return "\n".join(out) + "</table>"


def page(title: str, body: list[str], extra_style: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}{extra_style}</style></head>\n"
        "<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
