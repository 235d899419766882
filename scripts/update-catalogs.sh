#!/usr/bin/env bash
# Refresh the message catalogs after page text changed: extract every _() of web/ (templates and Python) and
# every phrase() of web/i18n.py and every Planner.t() of web/static/js into messages.pot, merge it into the zh_CN and en catalogs (new entries
# untranslated, to be filled in), then compile them. `make install` compiles them too.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
"$PYBABEL" extract -F web/babel.cfg -k phrase -k t --no-location --sort-output --omit-header -w 120 -o web/translations/messages.pot .
for lang in zh_Hans_CN en; do  # zh_Hans_CN: Babel's name of zh_CN, which gettext looks for
  if [ -f "web/translations/$lang/LC_MESSAGES/messages.po" ]; then
    "$PYBABEL" update -i web/translations/messages.pot -d web/translations -l "$lang" --no-fuzzy-matching -w 120
  else
    "$PYBABEL" init -i web/translations/messages.pot -d web/translations -l "$lang"
  fi
done
"$PYBABEL" compile -d web/translations --statistics
