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

# The end-to-end tests of the VS Code extension run in code-server (VS Code 1.100.3) driven by Chromium.
if [ -f "$shared/vscode-e2e/install.sh" ]; then
  bash "$shared/vscode-e2e/install.sh"
elif [ ! -f "${VSCODE_E2E_HOME:-/opt/vscode-e2e}/package.json" ]; then
  echo "provision: no VS Code e2e harness; install code-server 4.100.3, Chromium and playwright-core as" >&2
  echo "           ../shared/scripts/vscode-e2e/install.sh does (client/README.md, Tests); npm run test:e2e skips without it." >&2
fi

# The tracking tests run the real MLflow 2.12.2 client and server (Debian's python3 + /opt/mlflow-src), scikit-learn
# from Debian for examples/mlflow, and the client image for Docker jobs that log through MLflow.
if [ -f "$shared/mlflow/install.sh" ]; then
  bash "$shared/mlflow/install.sh"
  if ! /usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-sklearn >/dev/null ||
      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-sklearn >/dev/null; }
  fi
  if docker info >/dev/null 2>&1; then bash "$shared/mlflow/build-client-image.sh" >/dev/null; fi
elif [ ! -f "${MLFLOW_SRC:-/opt/mlflow-src}/mlflow/version.py" ] || ! /usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1; then
  echo "provision: no MLflow client; install MLflow 2.12.2 to /opt/mlflow-src with Debian's python3 and python3-sklearn as" >&2
  echo "           ../shared/scripts/mlflow/install.sh does, and build localtest/mlflow-client:2.12.2 (build-client-image.sh)." >&2
fi

# The remote compute's tests run scripts/lab/remote-engine-lab.sh: an sshd in front of a lab engine, certificates by openssl.
if [ "$(id -u)" = 0 ] && { [ ! -x /usr/sbin/sshd ] || ! command -v openssl >/dev/null; }; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssh-server openssl >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssh-server openssl >/dev/null; }
fi

# The Swarm tests build a 3-node Swarm with a registry (scripts/lab/swarm-lab.sh), which needs docker-registry and socat.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && { ! command -v docker-registry >/dev/null || ! command -v socat >/dev/null; }; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-registry socat >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-registry socat >/dev/null; }
elif ! command -v docker-registry >/dev/null || ! command -v socat >/dev/null; then
  echo "provision: no docker-registry or socat; install them (Debian: apt-get install docker-registry socat) for the Swarm tests." >&2
fi
