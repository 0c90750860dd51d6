#!/usr/bin/env bash
# Runs a command in a private network and mount namespace with its own /run/pcscd, so that a
# second test run on this machine gets its own loopback ports (vpcd 35963, servers) and its
# own pcscd socket. Usage: scripts/isolated.sh COMMAND [ARGS...]   (as root)
set -euo pipefail
exec unshare --net --mount --propagation private bash -c '
    ip link set lo up
    mkdir -p /run/pcscd
    mount -t tmpfs tmpfs /run/pcscd
    exec "$@"' isolated "$@"
