#!/bin/sh
# System libraries briefing needs beyond what pip brings (Debian/Ubuntu names).
# WeasyPrint needs Pango; it subsets fonts with HarfBuzz-Subset (its supported path:
# the fontTools fallback is deprecated and slower). Installs only what is missing.
set -eu
missing=""
ldconfig -p | grep -q 'libpango-1.0.so' || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
ldconfig -p | grep -q 'libharfbuzz-subset.so' || missing="$missing libharfbuzz-subset0"
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"  # EPUBCheck (tests)
# Chinese, Japanese and Korean text: the theme declares Noto Sans CJK by its file (too large
# to ship in the wheel); briefing stops with an error naming it when CJK text needs it.
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing="$missing fonts-noto-cjk"
command -v pdffonts >/dev/null 2>&1 || missing="$missing poppler-utils"  # pdffonts/pdftotext (tests)
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"  # the preview's browser test
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "briefing: please install:$missing (or your system's equivalents)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "briefing: installing$missing" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
