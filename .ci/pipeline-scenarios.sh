#!/usr/bin/env bash
# The roster repository's pipeline, run as GitLab runs it: gitlab-ci-local (a GitLab CI
# interpreter, pinned) includes the CI/CD component in templates/ with inputs and runs its jobs in
# shell mode against the fake GitLab binary, one scenario per kind of pipeline (schedule, Run
# pipeline with and without a username, merge request). See docs/ci-pipeline.md.
# Usage: bash .ci/pipeline-scenarios.sh (`.ci/run` calls it after the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

# npm `gitlab-ci-local`: 4.60.1 is the newest that runs on Node 20. Reused while the version matches.
GITLAB_CI_LOCAL=4.60.1
tools=target/gitlab-ci-local
for tool in node npm python3 git; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is required for the pipeline scenarios (Node.js 18 or newer with npm, python3, git)" >&2
    exit 1
  }
done
if [ ! -e "$tools/.version-$GITLAB_CI_LOCAL" ]; then
  rm -rf "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "gitlab-ci-local@$GITLAB_CI_LOCAL"
  touch "$tools/.version-$GITLAB_CI_LOCAL"
fi
# gitlab-ci-local copies job files and artifacts with rsync.
if ! command -v rsync >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends rsync >/dev/null
  else
    echo "rsync is required by gitlab-ci-local (on Debian/Ubuntu: apt-get install rsync)" >&2
    exit 1
  fi
fi

# The binaries `cargo test` builds (nothing to do right after it): onboarder and fake-gitlab.
cargo test --workspace --locked --no-run --quiet
echo "gitlab-ci-local $GITLAB_CI_LOCAL, rsync and the binaries ready in $((SECONDS - started)) s"

python3 .ci/pipeline_scenarios.py --gitlab-ci-local "$tools/node_modules/.bin/gitlab-ci-local" \
  --bin-dir target/debug --work target/pipeline-scenarios
