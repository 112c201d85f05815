#!/usr/bin/env bash
# raftkv against etcd, three processes each on loopback (issue 13): installs Debian's etcd-server
# if there is no etcd binary, then runs integration-tests' EtcdComparisonBench. Extra arguments go
# to Maven, e.g.
#   bench/etcd-compare.sh -Dbench.clients=1,16,64,256 -Dbench.seconds=10 -Dbench.rounds=2
# The bench starts its own etcd members on free ports; it never uses a system etcd service.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v etcd >/dev/null 2>&1 && [[ ! -x /usr/bin/etcd ]]; then
    echo "etcd-compare: no etcd binary; installing Debian's etcd-server" >&2
    as_root=()
    if [[ "$(id -u)" -ne 0 ]]; then
        as_root=(sudo)
    fi
    "${as_root[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q etcd-server
    # The package enables (and, where systemd runs, starts) an etcd service on 2379/2380. The
    # bench's members use other ports, but a service syncing its own WAL on the same disk would
    # skew the figures, so stop it and keep it from coming back.
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        "${as_root[@]}" systemctl disable --now etcd.service || true
    fi
fi

export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
cd "$root"
exec mvn -B -q verify -pl common,raft,shardctrler,shardkv,integration-tests \
    -Dspotless.check.skip=true -Dtest=EtcdComparisonBench -Dit.bench=true \
    -Dsurefire.failIfNoSpecifiedTests=false "$@"
