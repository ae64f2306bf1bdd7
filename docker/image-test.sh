#!/usr/bin/env bash
# Smoke-test a built image the way a self-hoster's box runs it, with no network at all:
# ingest the shipped decks into a fresh volume, grade an answer, explain a card with the real
# default model, and pass `flashtutor health --no-gateway`. Any failing step fails the test.
#
#   docker/image-test.sh [IMAGE]        (ENGINE=docker to use Docker instead of podman)
set -euo pipefail
IMAGE=${1:-localhost/flashtutor}
ENGINE=${ENGINE:-podman}
VOLUME=flashtutor-image-test-$$
trap '$ENGINE volume rm -f "$VOLUME" >/dev/null 2>&1 || true' EXIT
$ENGINE volume create "$VOLUME" >/dev/null

step() { printf '\n== %s\n' "$*" >&2; }
# No periodic health probe for these one-shot runs (podman would need systemd to time it).
ft() { $ENGINE run --rm --network none --no-healthcheck -v "$VOLUME:/data" "$IMAGE" "$@"; }
fail() { echo "image-test: FAILED: $*" >&2; exit 1; }

step "image $IMAGE: $($ENGINE image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=si)B"

step "flashtutor ingest"
ft ingest

step "flashtutor search --json"
hits=$(ft search "how does a tokenizer split text into tokens" -k 3 --json)
echo "$hits"
card=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])[0]["card_id"])' "$hits")
[ -n "$card" ] || fail "search found no card"

step "flashtutor grade --question ... --json"
graded=$(ft grade --question "What is an embedding?" \
  --reference "A dense vector of numbers that represents a token or text so that similar meanings are close together." \
  --answer "A vector of numbers representing text, where similar meanings end up near each other." --json)
echo "$graded"
python3 - "$graded" <<'PY' || fail "grade did not return the contract's JSON"
import json, sys
g = json.loads(sys.argv[1])
assert 0.0 <= g["score"] <= 1.0 and g["verdict"] in {"correct", "partial", "incorrect"}, g
assert all(isinstance(g[k], list) for k in ("covered", "missed", "reasons")), g
assert g["verdict"] != "incorrect", "a paraphrase of the reference was graded incorrect"
PY

step "flashtutor explain --card $card (the default GGUF, in-process)"
explained=$(ft explain --card "$card" --answer "It splits text into whole words at the spaces.")
echo "$explained"
if grep -qi "unavailable" <<<"$explained"; then fail "the LLM did not explain"; fi
[ "$(tail -n +2 <<<"$explained" | wc -w)" -ge 10 ] || fail "the explanation is empty"

step "flashtutor health --no-gateway"
ft health --no-gateway

step "the image's HEALTHCHECK and user"
$ENGINE image inspect --format '{{json .Config.Healthcheck}} user={{.Config.User}}' "$IMAGE"
[ "$($ENGINE image inspect --format '{{.Config.User}}' "$IMAGE")" != "" ] || fail "runs as root"

echo
echo "image-test: all steps passed"
