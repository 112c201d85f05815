#!/usr/bin/env bash
# Prepares a machine (as root, e.g. a fresh Debian 12 CI machine) for the container test,
# integration-tests' ContainerClusterTest, without any container registry:
#   1. installs docker.io and docker-compose (v1) with apt-get if they are missing;
#   2. starts dockerd in the background if no engine answers (log: $RAFTKV_DOCKERD_LOG, default
#      /tmp/raftkv-dockerd.log) and waits up to 60 s for it;
#   3. builds the local Java base image with docker/build-jre-image.sh (tag: $RAFTKV_JRE_IMAGE,
#      default raftkv-jre:21);
#   4. prints, on stdout, the environment and Maven flags for the test:
#
#   env="$(docker/ci-prepare.sh)"     # an assignment, so that `set -e` sees a failure
#   eval "$env"                       # (eval "$(...)" alone would hide it)
#   ./raftkv test $RAFTKV_IT_DOCKER_FLAGS
#
# Everything else goes to stderr. Exits non-zero with the reason if any step fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tag="${RAFTKV_JRE_IMAGE:-raftkv-jre:21}"
log="${RAFTKV_DOCKERD_LOG:-/tmp/raftkv-dockerd.log}"

say() { echo "ci-prepare: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}
is_root() { [[ "$(id -u)" -eq 0 ]]; }

# 1. Packages.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if ((${#missing[@]} > 0)); then
    is_root || die "${missing[*]} missing and not root: apt-get install -y ${missing[*]}"
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >&2 ||
        die "apt-get install ${missing[*]} failed"
fi

# 2. The engine.
if docker info >/dev/null 2>&1; then
    say "the Docker engine is running ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
else
    is_root || die "no Docker engine answers and only root can start dockerd"
    say "starting dockerd in the background (log: $log)"
    # setsid: not tied to this script's session; the engine outlives it.
    # shellcheck disable=SC2086 # DOCKERD_ARGS is a list of options.
    setsid dockerd ${DOCKERD_ARGS:-} >"$log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && break
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$log" >&2 || true
            die "dockerd exited at start (last lines of $log above)"
        fi
        sleep 1
    done
    if ! docker info >/dev/null 2>&1; then
        tail -n 20 "$log" >&2 || true
        die "the Docker engine did not answer within 60 s (last lines of $log above)"
    fi
    say "dockerd $(docker version -f '{{.Server.Version}}' 2>/dev/null) is up (pid $pid)"
fi

# 3. The Java base image, from the local JDK (no registry).
"$here/build-jre-image.sh" "$tag" || die "building $tag failed"

# 4. What the test needs. The integration-tests pom sets the TESTCONTAINERS_* variables for its
# tests already; they are printed for anything else that runs Testcontainers here:
#   TESTCONTAINERS_RYUK_DISABLED  no Ryuk reaper container (testcontainers/ryuk: a pull)
#   TESTCONTAINERS_CHECKS_DISABLE no startup checks
#   TESTCONTAINERS_HOST_OVERRIDE  the Docker host's address; inside a container (/.dockerenv)
#                                 Testcontainers would otherwise run alpine to find the gateway
cat <<EOF
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_CHECKS_DISABLE=true
export TESTCONTAINERS_HOST_OVERRIDE=localhost
export RAFTKV_IT_DOCKER_FLAGS='-Dit.docker=true -Dit.javaImage=$tag'
EOF
say "ready: run the tests with Maven flags -Dit.docker=true -Dit.javaImage=$tag"
