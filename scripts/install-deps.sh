#!/usr/bin/env bash
# What the grader's sandbox needs on a stock Debian machine (run by the README's test command and by ./rltf when bwrap is missing; safe to run again).
#   bubblewrap  the sandbox: pid/net/ipc/uts namespaces, a read-only minimal root, a private tmpfs
#   python3     the interpreter programs run in, if the machine has none on PATH (the grader resolves
#               grader.python, default python3, to its real executable and exposes its installation)
#   fonts       the lab's plots (XChart draws text through the JDK's font stack, which needs fontconfig and a font)
# The grader refuses to start (SandboxUnavailableException naming what is missing) rather than run
# programs unsandboxed; it also needs to run as root, to give every worker's programs a uid of their own.
set -euo pipefail

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
[ -n "$(fc-list 2>/dev/null | head -n 1)" ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing ${need[*]} and no apt-get to install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# A quick check that namespaces work here, so a CI failure names the cause before the tests do.
if [ "$(id -u)" = 0 ]; then
  if ! bwrap --unshare-pid --unshare-net --die-with-parent --ro-bind /usr /usr \
        --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev \
        /usr/bin/true; then
    echo "install-deps: bubblewrap is installed but cannot create namespaces on this machine" >&2
    exit 1
  fi
fi
echo "install-deps: bubblewrap $(bwrap --version | awk '{print $2}'), $(python3 --version 2>&1)"
