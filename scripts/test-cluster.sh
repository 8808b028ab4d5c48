#!/usr/bin/env bash
# npm run test:cluster: bring the 3-node Galera cluster up, run the cluster suites against it, and
# take it down again, also when a suite fails or the run is interrupted.
set -uo pipefail
cd "$(dirname "$0")/.."
cluster() { node dist/scripts/galera-cluster.js "$@"; }
trap 'cluster down' EXIT
cluster up || exit 1
npx jest --selectProjects cluster --runInBand "$@"
