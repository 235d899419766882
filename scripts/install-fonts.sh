#!/usr/bin/env bash
# Install a TrueType CJK font that PDF reports embed (WenQuanYi Zen Hei, GPL with a font-embedding
# exception; reportlab embeds TrueType outlines only, so Noto CJK's CFF outlines do not serve).
# Without root and without the font, reports still render with the non-embedded STSong-Light: say so.
set -uo pipefail
if [ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "note: no embeddable CJK font; for PDFs that carry their font run 'sudo apt-get install -y fonts-wqy-zenhei'" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
(apt-get install -y -qq fonts-wqy-zenhei >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei >/dev/null; }) \
  || echo "note: could not install fonts-wqy-zenhei; PDFs use the non-embedded STSong-Light" >&2
