#!/usr/bin/env bash
# Set up what `brief` needs on Debian: Debian packages (fonts; test tools with --test),
# a virtual environment in .venv and the Python packages. Safe to run again: it only does what
# is missing. Without root or network it says exactly what to install, then stops.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-run}
PYTHON=${PYTHON:-python3}
debs=(fonts-wqy-microhei fonts-dejavu-core)
if [ "$mode" = "--test" ]; then
  # chromium and chromium-driver: the real-browser tests (tests/test_browser.py) drive them with Selenium.
  debs+=(poppler-utils libreoffice-writer-nogui chromium chromium-driver)
  # npm installs axe-core for those tests; Debian's npm only where no Node.js with npm is installed.
  command -v npm >/dev/null 2>&1 || debs+=(npm)
fi

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: this is not a Debian system; install their equivalents (a TrueType CJK font such as WenQuanYi Micro Hei, DejaVu fonts, poppler's pdftotext/pdffonts, LibreOffice Writer) and run again." >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
      echo "setup: missing Debian packages: ${missing[*]}" >&2
      echo "setup: run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "setup: could not install ${missing[*]} (no network?)." >&2
    echo "setup: install them yourself:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
# A stamp per pyproject.toml content and mode: packages are reinstalled only when either changes.
stamp=.venv/.installed-$(sha256sum < pyproject.toml | cut -c1-16)
extra=""
if [ "$mode" = "--test" ]; then stamp="$stamp-test"; extra="[test]"; fi
if [ ! -f "$stamp" ]; then
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv || { echo "setup: could not create .venv (on Debian: apt-get install python3-venv)" >&2; exit 1; }
  fi
  echo "setup: installing Python packages into .venv"
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extra"; then
    echo "setup: pip could not install the Python packages (no network?); see the error above." >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
  if [ "$mode" = "--test" ]; then touch "${stamp%-test}"; fi
fi
if [ "$mode" = "--test" ]; then
  # axe-core, pinned by tests/browser/package-lock.json, into tests/browser/node_modules (git-ignored):
  # installed again only when the lock file changes.
  axe_stamp=tests/browser/node_modules/.installed-$(sha256sum < tests/browser/package-lock.json | cut -c1-16)
  if [ ! -f "$axe_stamp" ]; then
    echo "setup: installing axe-core (npm) into tests/browser/node_modules"
    if ! npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; then
      echo "setup: npm could not install axe-core (no network?); see the error above." >&2
      exit 1
    fi
    touch "$axe_stamp"
  fi
fi
# Byte-compile brief's own modules, as pip does for an installed package (the editable install
# does not), so that no run compiles them again, even where PYTHONDONTWRITEBYTECODE is set.
# Only changed modules are compiled; a stale file is simply recompiled when it is imported.
.venv/bin/python -m compileall -q src >/dev/null || true
exit 0
