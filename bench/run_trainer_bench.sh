#!/usr/bin/env bash
# Trainer benchmark: Multi-Fashion with the LeNet preset (Adam 1e-3, batch 256, equal weighting), MtlOnnx's full
# trainer (Release build, data loading included) against PyTorch's equivalent loop, in the same run, two threads each
# (the trainer's steps run as two single-threaded batch shards; add --batch-shards 1 to `ours` to time it unsplit).
# Both print one line per epoch: left and right test accuracy, training samples per second (validation excluded) and
# processor seconds per step (all threads of the process).
#
# Environment:
#   EPOCHS=20          epochs per side (20 is the accuracy benchmark; 1 is enough for throughput)
#   TRAIN_LIMIT=120000 training pairs per epoch (the job's data.train_limit; the torch side builds the same pairs)
#   TEST_LIMIT=10000   test pairs
#   SEED=0             the job's seed (initial weights, pairs, shifts and order) and the torch side's --seed
#   PARALLEL=0         1 runs the two sides at the same time (for accuracy runs; throughput figures then mean little)
#   TORCH_ENV=...      the environment of the torch side; by default OMP_WAIT_POLICY=PASSIVE, its fastest setting on a
#                      shared machine (GNU OpenMP's spinning workers otherwise take about 4x longer per step here)
#   ROUNDS=1           rounds; each runs every side once, one after the other, and a summary of the per-round medians
#                      and ratios follows the last one (sequential runs only)
#   BASELINE_CLI=...   the mtlonnx.dll of another build (for example main's, built in Release elsewhere) to time in the
#                      same rounds, just before this build's trainer
# Needs Debian's dataset-fashion-mnist and python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS="${EPOCHS:-20}"
TRAIN_LIMIT="${TRAIN_LIMIT:-120000}"
TEST_LIMIT="${TEST_LIMIT:-10000}"
PARALLEL="${PARALLEL:-0}"
ROUNDS="${ROUNDS:-1}"
BASELINE_CLI="${BASELINE_CLI:-}"
SEED="${SEED:-0}"
TORCH_ENV="${TORCH_ENV:-OMP_WAIT_POLICY=PASSIVE}"
OUT="$(mktemp -d)"
sed -e "s/^epochs: 20/epochs: ${EPOCHS}/" -e "s/^seed: 0/seed: ${SEED}/" \
    -e "s/^  validation_fraction: 0/  validation_fraction: 0\n  train_limit: ${TRAIN_LIMIT}\n  test_limit: ${TEST_LIMIT}/" \
    models/multi-fashion-lenet.yaml > "$OUT/job.yaml"
echo "output: $OUT/run" >> "$OUT/job.yaml"
dotnet build src/Cli -c Release -v quiet -nologo > /dev/null

# ours [CLI [SIDE]]: trains the job with a trainer build (this one by default) and prints its per-epoch lines.
ours() {
  local cli="${1:-src/Cli/bin/Release/net10.0/mtlonnx.dll}" side="${2:-mtlonnx}"
  rm -rf "$OUT/run"
  dotnet "$cli" train "$OUT/job.yaml" --threads 2 > "$OUT/$side.log" 2>&1
  /usr/bin/python3 - "$OUT/run/history.json" "$side" <<'PY'
import json, sys
for record in json.load(open(sys.argv[1])):
    metrics = record["ValidationMetrics"]
    print(json.dumps({"side": sys.argv[2], "epoch": record["Epoch"] + 1, "left": metrics["left"]["accuracy"],
                      "right": metrics["right"]["accuracy"], "samples_per_second": record["SamplesPerSecond"],
                      "cpu_seconds_per_step": record["CpuSecondsPerStep"]}), flush=True)
PY
}

torch() {
  env $TORCH_ENV OMP_NUM_THREADS=2 /usr/bin/python3 bench/trainer/torch_multifashion.py --epochs "$EPOCHS" --threads 2 \
    --seed "$SEED" --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" | sed 's/^{/{"side": "pytorch", /'
}

if [ "$PARALLEL" = 1 ]; then
  torch > "$OUT/torch.log" &
  ours
  wait
  cat "$OUT/torch.log"
else
  for round in $(seq 1 "$ROUNDS"); do
    if [ -n "$BASELINE_CLI" ]; then
      ours "$BASELINE_CLI" baseline | sed "s/^{/{\"round\": $round, /" | tee -a "$OUT/lines.jsonl"
    fi
    ours | sed "s/^{/{\"round\": $round, /" | tee -a "$OUT/lines.jsonl"
    torch | sed "s/^{/{\"round\": $round, /" | tee -a "$OUT/lines.jsonl"
  done

  /usr/bin/python3 - "$OUT/lines.jsonl" <<'PY'
import collections, json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
last = max(r["epoch"] for r in rows)
by = collections.defaultdict(dict)
for r in rows:
    if r["epoch"] == last:
        by[r["round"]][r["side"]] = r
sides = [s for s in ("baseline", "mtlonnx", "pytorch") if any(s in v for v in by.values())]
print(f"| round | " + " | ".join(f"{s} samples/s | {s} CPU s/step" for s in sides) + " | mtlonnx / pytorch |")
print("|---" * (2 * len(sides) + 2) + "|")
for n, v in sorted(by.items()):
    cells = " | ".join(f"{v[s]['samples_per_second']:,.0f} | {v[s]['cpu_seconds_per_step']:.3f}" for s in sides)
    print(f"| {n} | {cells} | {v['mtlonnx']['samples_per_second'] / v['pytorch']['samples_per_second']:.2f} |")
med = lambda s, k: statistics.median(v[s][k] for v in by.values())
cells = " | ".join(f"{med(s, 'samples_per_second'):,.0f} | {med(s, 'cpu_seconds_per_step'):.3f}" for s in sides)
ratio = statistics.median(v["mtlonnx"]["samples_per_second"] / v["pytorch"]["samples_per_second"] for v in by.values())
print(f"| median | {cells} | {ratio:.2f} |")
PY
fi

echo "MtlOnnx logs: $OUT/*.log; test metrics of the last run: $OUT/run/metrics.json"
