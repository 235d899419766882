"""The CJK font files the printouts embed (PDF) or rasterise with (PNG), looked up on the system.

Debian's ``fonts-wqy-zenhei``, which ``make install`` installs (``scripts/install-fonts.sh``), or another
TrueType CJK font found; never downloaded at run time.
"""

from __future__ import annotations

from pathlib import Path

CJK_FONTS = (
    ("WenQuanYi Zen Hei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("WenQuanYi Micro Hei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("AR PL UMing", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
"""Embeddable TrueType CJK fonts looked for, in order: (name, file, index in the collection)."""


def cjk_font_file() -> tuple[str, str, int] | None:
    """Return the first CJK font of :data:`CJK_FONTS` installed, as (name, file, index), or None if none is."""
    return next(((name, path, index) for name, path, index in CJK_FONTS if Path(path).is_file()), None)
