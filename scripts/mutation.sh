#!/usr/bin/env bash
# Mutation testing of the engine's core (autograd_core/engine/ops.py, backward.py, value.py) with
# mutmut 3, running only the engine's tests for each mutant ([tool.mutmut] in pyproject.toml).
# Not part of CI: on 2 cores it takes about half an hour. Bounded by MUTATION_TIMEOUT seconds
# (default 3600); MUTATION_JOBS parallel mutants (default 2). Prints the score at the end:
#   killed / (killed + survived + timed out), the mutants the tool can run; "no tests" are
#   mutants of lines no selected test reaches, left out of the score (they are listed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev > /dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check "mutmut==3.8.1"
rm -rf mutants
status=0
timeout "${MUTATION_TIMEOUT:-3600}" .venv/bin/mutmut run --max-children "${MUTATION_JOBS:-2}" > mutants.log 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "mutmut stopped early (exit $status; 124 means MUTATION_TIMEOUT): the score covers the mutants tested so far" >&2
fi
.venv/bin/mutmut export-cicd-stats > /dev/null
.venv/bin/python - <<'EOF'
import json
stats = json.load(open("mutants/mutmut-cicd-stats.json"))
killed, survived, timeout = stats["killed"], stats["survived"], stats["timeout"]
ran = killed + survived + timeout
print(f"mutants: {stats['total']}; killed {killed}, survived {survived}, timed out {timeout}, "
      f"no tests {stats['no_tests']}, skipped {stats['skipped']}, suspicious {stats['suspicious']}")
print(f"score on the mutants the tool ran: {killed / max(ran, 1):.1%} ({killed}/{ran}); "
      f"raw: {killed / max(stats['total'], 1):.1%}")
EOF
echo "survivors: .venv/bin/mutmut results; one mutant's diff: .venv/bin/mutmut show NAME"
