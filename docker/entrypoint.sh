#!/bin/sh
# The image's entrypoint, run by tini: `flashtutor <command>` (default `run`).
# Before the bot starts, drop a heartbeat left by an earlier run (a restart, a crash, an OOM
# kill), so `flashtutor health` reports "bot not started" until this run connects rather
# than trusting a beat that is up to two minutes old.
set -eu
[ "$#" -gt 0 ] || set -- run
if [ "$1" = run ]; then
  rm -f "${FLASHTUTOR_DATA_DIR:-/data}/heartbeat"
fi
# exec: flashtutor replaces the shell, so tini's SIGTERM reaches the bot itself.
exec flashtutor "$@"
