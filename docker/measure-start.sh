#!/usr/bin/env bash
# Measure the built image as it really starts: the bot (`flashtutor run`, the image's default
# command) connects to the loopback Discord emulator from tests/ on this host; "ready" is the
# first full `flashtutor health` (database, index, model, gateway heartbeat) that passes.
# Then memory at rest 60 s later, the image's own HEALTHCHECK, and a SIGTERM stop.
#
#   docker/measure-start.sh VOLUME LABEL     (a new VOLUME measures a first start: it ingests)
# Needs podman, the venv (for the emulator) and cgroup v1 paths as on this machine.
set -uo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-localhost/flashtutor}
VOL=$1 LABEL=$2 NAME=ft-measure PORT=${PORT:-8799}
secs() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$@"; }

.venv/bin/python -m bot.testing.discord_emulator --port "$PORT" --demo >/tmp/ft-emu.json 2>/tmp/ft-emu.log &
EMU=$!
trap 'kill $EMU 2>/dev/null; podman rm -f $NAME >/dev/null 2>&1' EXIT
sleep 3
API=$(python3 -c 'import json; print(json.load(open("/tmp/ft-emu.json"))["api_base"])')
GW=$(python3 -c 'import json; print(json.load(open("/tmp/ft-emu.json"))["gateway_url"])')
podman volume exists "$VOL" || podman volume create "$VOL" >/dev/null
# A heartbeat left by an earlier run is removed by the image's entrypoint before the bot starts.

t0=$(date +%s.%N)
# --network host only to reach the emulator on 127.0.0.1; the limits are compose.yaml's.
podman run -d --name $NAME --network host --memory 2g --cpus 2 --health-interval disable \
  -v "$VOL:/data" -e FLASHTUTOR_DISCORD_TOKEN=emulated-token \
  -e FLASHTUTOR_DISCORD_API_URL="$API" -e FLASHTUTOR_DISCORD_GATEWAY_URL="$GW" "$IMAGE" >/dev/null
until podman exec $NAME flashtutor health >/tmp/ft-health.out 2>&1; do
  [ "$(podman inspect --format '{{.State.Running}}' $NAME)" = true ] || { podman logs $NAME; exit 1; }
  sleep 1
done
echo "$LABEL: start -> flashtutor health passes: $(secs "$t0" "$(date +%s.%N)") s"
cat /tmp/ft-health.out

sleep 60
echo "$LABEL: memory at rest, 60 s after ready:"
podman stats --no-stream --format '  podman stats: {{.MemUsage}}, cpu {{.CPUPerc}}' $NAME
cg=/sys/fs/cgroup/memory/libpod_parent/libpod-$(podman inspect --format '{{.Id}}' $NAME)
echo "  cgroup memory.usage_in_bytes: $(( $(cat $cg/memory.usage_in_bytes) / 1048576 )) MiB"
tini=$(podman inspect --format '{{.State.Pid}}' $NAME)
bot=$(awk '{print $1}' /proc/$tini/task/$tini/children)
grep -E "VmRSS|RssAnon|RssFile" /proc/$bot/status | sed 's/^/  flashtutor run /'
podman healthcheck run $NAME && echo "$LABEL: podman healthcheck run: healthy"

t1=$(date +%s.%N)
podman stop -t 30 $NAME >/dev/null
echo "$LABEL: podman stop (SIGTERM) took $(secs "$t1" "$(date +%s.%N)") s," \
  "exit code $(podman inspect --format '{{.State.ExitCode}}' $NAME)"
