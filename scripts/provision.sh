#!/usr/bin/env bash
# The pretest step: provisions what the tests need, idempotently (fast when everything is already there).
# With the shared provisioning scripts next to this repository (../shared/scripts), it runs them; otherwise it
# checks the parts and says how to get them the usual way (see README, "Tests").
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/scripts

if [ -f "$shared/start-docker.sh" ]; then
  bash "$shared/start-docker.sh"
elif ! docker info >/dev/null 2>&1; then
  echo "provision: no Docker engine answers; install Docker (https://docs.docker.com/engine/install/) and build the" >&2
  echo "           test images localtest/python:3-bookworm and localtest/busybox:full (README, Tests)." >&2
fi
