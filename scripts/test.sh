#!/usr/bin/env bash
# Install everything the tests need (system packages when root, a virtualenv, the package) and run them.
#   bash scripts/test.sh            # SQLite
#   YUQING_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/yuqing_test bash scripts/test.sh
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need_apt[*]} (browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "note: ${need_apt[*]} missing and not root: browser tests will be skipped" >&2
  fi
fi
# Reports: LibreOffice renders the DOCX to PDF (proof it opens and shows Chinese); poppler reads the PDF back.
need_docs=()
command -v soffice >/dev/null 2>&1 || need_docs+=(libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need_docs+=(poppler-utils)
if [ ${#need_docs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need_docs[*]} (document tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${need_docs[@]}" >/dev/null
  else
    echo "note: ${need_docs[*]} missing and not root: the PDF test will be skipped" >&2
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
if [ -z "${YUQING_TEST_INSTALLED:-}" ]; then  # CI sets it for runs after the first, which installed
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[test]'
fi
exec .venv/bin/python -m pytest "$@"
