#!/usr/bin/env bash
# Builds raftkv's Java base image without any registry: a jlink'ed JRE from a local JDK, the few
# shared libraries it needs from this machine, and a non-root user, in a FROM scratch image.
#
#   docker/build-jre-image.sh [TAG]        (TAG defaults to raftkv-jre:21)
#
# Then build the raftkv image on it:
#   JAVA_IMAGE=raftkv-jre:21 docker-compose -f docker/docker-compose.yml build
#
# Environment:
#   JAVA_HOME           the JDK to jlink from, 21 or newer (if unset or older: Temurin 25 under
#                       /usr/lib/jvm, else the newest JDK 21+ there)
#   RAFTKV_JRE_MODULES  the modules to put in the JRE, comma-separated (default: see below)
#
# The image has no shell: /opt/java/openjdk (JAVA_HOME, on PATH, as in eclipse-temurin images),
# glibc and the dynamic loader, /etc/passwd and /etc/group with user raftkv (uid/gid 10001),
# /etc/nsswitch.conf (hosts: files dns, so container names resolve), /tmp (1777) and /data owned
# by raftkv. Running it again with the same JDK rebuilds the same image (docker's cache hits).
set -euo pipefail

tag="${1:-raftkv-jre:21}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$(dirname "$here")/shardkv/target"
jar="$(find "$target" -maxdepth 1 -name 'raftkv-shardkv-*-all.jar' -print -quit 2>/dev/null || true)"
uid=10001

# What the shaded jar needs (jdeps --print-module-deps --ignore-missing-deps on it): java.desktop
# for Kryo's java.beans use, java.sql and java.compiler for Kryo's and Guava's references, jdk.jfr
# for Netty, jdk.management for raft's com.sun.management use, jdk.unsupported for sun.misc.Unsafe.
# Plus java.naming (JNDI; host names themselves resolve through glibc and /etc/nsswitch.conf) and
# jdk.crypto.ec where the JDK still has it.
default_modules="java.base,java.compiler,java.desktop,java.naming,java.sql,jdk.jfr,jdk.management,jdk.unsupported"

say() { echo "build-jre-image: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}

java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

# JAVA_HOME if it is a JDK 21+, else Temurin 25, else the newest JDK 21+ under /usr/lib/jvm.
find_jdk() {
    local home major
    # shellcheck disable=SC2012 # JDK directory names have no spaces; ls | sort -V orders them.
    for home in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 \
        $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
        home="${home%/}"
        [[ -n "$home" && -x "$home/bin/jlink" && -x "$home/bin/java" ]] || continue
        major="$(java_major "$home")"
        if [[ -n "$major" && "$major" -ge 21 ]]; then
            echo "$home"
            return 0
        fi
        [[ "$home" != "${JAVA_HOME:-}" ]] || say "JAVA_HOME=$home is Java $major; looking for a JDK 21+"
    done
    return 1
}

command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed (apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "no Docker engine answers ('docker info' fails); start dockerd first"
command -v ldd >/dev/null 2>&1 || die "ldd is missing (apt-get install libc-bin)"
java_home="$(find_jdk)" ||
    die "no JDK 21 or newer with jlink (looked at JAVA_HOME and /usr/lib/jvm): set JAVA_HOME to one"
java_major="$(java_major "$java_home")"

modules="${RAFTKV_JRE_MODULES:-$default_modules}"
if "$java_home/bin/java" --list-modules | grep -q '^jdk\.crypto\.ec@'; then
    modules="$modules,jdk.crypto.ec"
fi
if [[ -n "$jar" ]]; then
    # The jar is not part of this image, but if it is built, make sure the JRE covers it.
    needed="$("$java_home/bin/jdeps" --print-module-deps --ignore-missing-deps \
        --multi-release 21 "$jar" 2>/dev/null || true)"
    for module in ${needed//,/ }; do
        if [[ ",$modules," != *",$module,"* ]]; then
            say "the jar also needs $module (jdeps); adding it"
            modules="$modules,$module"
        fi
    done
else
    say "note: the runnable jar is not built ($target), so jdeps did not check the module list"
fi

# Options baked into the runtime (jlink --add-options), silencing the JDK 24+ warnings that
# Kryo/Netty/MapDB's sun.misc.Unsafe use and lz4-java's System.loadLibrary would print on every
# start. (eclipse-temurin:21-jre does not print them.)
jvm_options="--enable-native-access=ALL-UNNAMED"
if [[ "$java_major" -ge 24 ]]; then
    jvm_options="$jvm_options --sun-misc-unsafe-memory-access=allow"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
jre="$rootfs/opt/java/openjdk"
mkdir -p "$rootfs"

say "jlink: Java $java_major from $java_home, modules $modules"
"$java_home/bin/jlink" \
    --add-modules "$modules" \
    --output "$jre" \
    --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
    --generate-cds-archive \
    --add-options="$jvm_options" >/dev/null

# Native parts of java.desktop that a headless server never loads and that would need the X11 and
# ALSA libraries: the X11 front ends (AWT runs headless on libawt_headless.so) and Java Sound. And
# the class data sharing archive for heaps over 32 GB (no compressed oops), 14 MB that -Xmx256m
# never uses; lib/server/classes.jsa stays (JVM start 0.3 s instead of 0.45 s).
rm -f "$jre"/lib/libawt_xawt.so "$jre"/lib/libjawt.so "$jre"/lib/libsplashscreen.so \
    "$jre"/lib/libjsound.so "$jre"/lib/server/classes_nocoops.jsa

# The machine's shared libraries that bin/java and the JRE's own libraries need (ldd), plus the
# dynamic loader and libgcc_s (glibc loads it with dlopen to unwind threads, ldd cannot see it).
say "copying the shared libraries that ldd names"
{
    ldd "$jre/bin/java"
    find "$jre" -name '*.so' -type f -exec ldd {} \;
} >"$work/ldd.txt" 2>/dev/null || true
libraries="$(
    {
        awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' "$work/ldd.txt"
        ldconfig -p 2>/dev/null | awk '$1 == "libgcc_s.so.1" && $NF ~ /^\// { print $NF; exit }'
    } | grep -v "^$jre/" | sort -u
)"
missing="$(awk '$3 == "not" { print $1 }' "$work/ldd.txt" | sort -u |
    while read -r name; do
        # The JRE's own libraries (libjvm.so) resolve at run time through its RPATH.
        [[ -n "$(find "$jre" -name "$name" -print -quit)" ]] || echo "$name"
    done)"
[[ -z "$missing" ]] || die "libraries the JRE needs are not on this machine: ${missing//$'\n'/ }"
for library in $libraries; do
    mkdir -p "$rootfs$(dirname "$library")"
    cp -L "$library" "$rootfs$library"
done
say "libraries: ${libraries//$'\n'/ }"

mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/data" "$rootfs/home/raftkv"
chmod 1777 "$rootfs/tmp"
chmod 755 "$rootfs/data" "$rootfs/home/raftkv"
cat >"$rootfs/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
raftkv:x:$uid:$uid:raftkv:/home/raftkv:/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<EOF
root:x:0:
nogroup:x:65534:
raftkv:x:$uid:
EOF
cat >"$rootfs/etc/nsswitch.conf" <<EOF
passwd: files
group: files
hosts: files dns
EOF

# A reproducible tar (fixed owners, order and times) so that docker's build cache makes a second
# run a no-op; /data and the home directory belong to raftkv.
say "packing the root filesystem"
tar_options=(--sort=name --mtime=@0 --numeric-owner --format=gnu -C "$rootfs")
tar "${tar_options[@]}" --owner=0 --group=0 --exclude=./data --exclude=./home/raftkv \
    -cf "$work/rootfs.tar" .
tar "${tar_options[@]}" --owner="$uid" --group="$uid" -rf "$work/rootfs.tar" ./data ./home/raftkv

cat >"$work/Dockerfile" <<EOF
FROM scratch
ADD rootfs.tar /
ENV JAVA_HOME=/opt/java/openjdk \\
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LANG=C.UTF-8
USER $uid:$uid
LABEL org.opencontainers.image.title="raftkv-jre" \\
      org.opencontainers.image.description="jlink JRE (Java $java_major) for raftkv, no shell"
CMD ["java", "-version"]
EOF
say "docker build -t $tag"
docker build -q -t "$tag" -f "$work/Dockerfile" "$work" >/dev/null
if ! docker run --rm --network none "$tag" java -version >"$work/version.txt" 2>&1; then
    cat "$work/version.txt" >&2
    die "the image was built but 'java -version' fails in it"
fi
say "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }')):" \
    "$(head -1 "$work/version.txt")"
