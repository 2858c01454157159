#!/usr/bin/env bash
# System packages that some readers and tests use, installed when this machine lets us
# (root with apt-get); elsewhere the tests that need them skip with a reason (never in CI).
#   libreoffice-writer-nogui  reads Word 97 / WPS files with every table (soffice --headless
#                       --convert-to docx); antiword loses tables with merged cells
#   antiword            reads Word 97 .doc files where LibreOffice is absent
#   fonts-wqy-microhei  a CJK font, so that generated test PDFs (non-embedded CJK font)
#                       take PDFium's fast path instead of the pdfminer fallback, the
#                       notebooks' figures draw Chinese labels, and a font to embed in
#                       the PDFs that poppler's pdftotext reads in tests
#   chromium            the headless browser that loads a Datasette page in tests/test_browse.py
#   poppler-utils       pdftotext: the tests read its text of report PDFs, as users make it
#   poppler-data        poppler's CJK character maps (text in non-embedded CJK fonts)
set -u
need=()
command -v antiword >/dev/null 2>&1 || need+=(antiword)
{ command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1; } || need+=(libreoffice-writer-nogui)
{ command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -d /usr/share/poppler/cMap ] || need+=(poppler-data)
if ! { command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qiE "wqy|noto.*cjk|droid.*fallback"; }; then
  need+=(fonts-wqy-microhei)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}") >&2 \
    || echo "warning: could not install ${need[*]}; tests that need them will skip" >&2
else
  echo "note: not installing ${need[*]} (needs root and apt-get); tests that need them will skip" >&2
fi
exit 0
