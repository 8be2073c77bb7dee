#!/usr/bin/env bash
# Makes the reference data shipped in data/: the layer profile of this machine kind, the zoo
# validation runs and the EdgeCaffe import, and records the commands and how long each took in
# data/reference/PROVENANCE.md. Run on a QUIET machine (nothing else running), as root, after
# `npm run build`. Resumable: rerun the same command after an interruption.
#
#   LAYERS=1000 REPS=3 SEED=1 BUDGET=6h SWAP=2GiB [NETWORKS=vgg16,resnet50] [CTX_NETWORKS=vgg11,resnet101] \
#     [KNEE_NETWORKS=vgg16,alexnet] bash scripts/make-reference-data.sh
#
# Steps: doctor, EdgeCaffe import, the layer profile (continuous memory levels), the zoo validation
# runs, the network-context runs (other networks, for fitting), the knee sweeps (validation networks
# and one held-out network at 8 limits across the largest layer's cliff), Parquet export.
#
# Then `npm run bench -- --write-default data/models/default.json` refits the shipped model.
#
# Swap: if none is on, a swap file of $SWAP is created for the run and removed at the end
# (memlat doctor --setup-swap / --remove-swap), so the machine is left as it was found.
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${LAYERS:-1000}; REPS=${REPS:-3}; SEED=${SEED:-1}; SWAP=${SWAP:-2GiB}
VAL_LEVELS=${VAL_LEVELS:-4,1,0.5,none}; VAL_REPS=${VAL_REPS:-5}
# Zoo networks for the whole-network validation runs (the shipped set by default).
NETWORKS=${NETWORKS:-vgg16,resnet18,resnet34,resnet50,mobilenetv2,mobilenetv3_large,mobilenetv3_small,squeezenet1_1,googlenet,alexnet,densenet121,bert-base}
# Networks for the network-context runs fe-swap is fitted on: must not be validation networks.
CTX_NETWORKS=${CTX_NETWORKS:-vgg11,vgg19,vgg13_bn,resnet101,densenet169,squeezenet1_0}
CTX_LEVELS=${CTX_LEVELS:-0.25,0.5,0.75,1,none}; CTX_REPS=${CTX_REPS:-$VAL_REPS}
# Knee sweeps: networks with large layers, never used for fitting, at limits across the cliff.
KNEE_NETWORKS=${KNEE_NETWORKS:-vgg16,alexnet,bert-base,wide_resnet50_2}
KNEE_LEVELS=${KNEE_LEVELS:-0.6,0.7,0.8,0.9,1,1.1,1.2,1.3,none}
memlat() { node dist/src/cli/main.js "$@"; }
[ -f dist/src/cli/main.js ] || { echo "run 'npm run build' first" >&2; exit 2; }

made_swap=0
if [ "$(awk '/SwapTotal/ {print $2}' /proc/meminfo)" = "0" ]; then
  memlat doctor --setup-swap "$SWAP"
  made_swap=1
fi
cleanup() { if [ "$made_swap" = 1 ]; then memlat doctor --remove-swap || true; fi; }
trap cleanup EXIT

mkdir -p data/reference data/validation data/context data/knee
prov=data/reference/PROVENANCE.md
[ -f "$prov" ] || printf '# Provenance of the reference data\n\nMachine: see rows.hardware.json. Each step: command, start, duration.\n\n' > "$prov"
step() {
  local t0; t0=$(date +%s)
  echo "+ memlat $*" >&2
  local rc=0
  memlat "$@" || rc=$?
  printf -- '- `memlat %s`: started %s, %d s, exit %d\n' "$*" "$(date -u -d "@$t0" +%FT%TZ)" "$(( $(date +%s) - t0 ))" "$rc" >> "$prov"
  return "$rc"
}

step doctor || true
step import edgecaffe data/edgecaffe --out data/reference/edgecaffe.csv.gz
step profile --out data/reference/rows.csv --layers "$LAYERS" --reps "$REPS" --seed "$SEED" ${BUDGET:+--budget "$BUDGET"}
step validate-runs --out data/validation/ --levels "$VAL_LEVELS" --reps "$VAL_REPS" ${NETWORKS:+--networks "$NETWORKS"}
step validate-runs --out data/context/ --networks "$CTX_NETWORKS" --levels "$CTX_LEVELS" --reps "$CTX_REPS"
step validate-runs --out data/knee/ --networks "$KNEE_NETWORKS" --levels "$KNEE_LEVELS" --reps "$VAL_REPS"
step export --parquet data/reference/rows.parquet --data data/reference/rows.csv
gzip -kf data/reference/rows.csv data/validation/rows.csv data/context/rows.csv data/knee/rows.csv
echo "done; see $prov" >&2
