#!/usr/bin/env bash
# Trainer accuracy over several seeds: Multi-Fashion with the LeNet preset (Adam 1e-3, batch 256, equal weighting),
# MtlOnnx's trainer against PyTorch's equivalent loop, and that loop started from MtlOnnx's initial weights for the
# same seed (on PyTorch's own pairs and order, so that its two columns differ only in the initial draw). Prints each
# seed's test accuracy after the last epoch (left / right), then the means, standard deviations and the seeds with
# both tasks at 77 % or more.
#
# Environment:
#   SEEDS="0 1 2 3 4 5"  the job seeds (MtlOnnx's weights, pairs, shifts and order; the torch side's --seed)
#   EPOCHS=20            epochs per run
#   TRAIN_LIMIT=120000   training pairs per epoch
#   TEST_LIMIT=10000     test pairs
#   INIT_ARM=1           0 skips PyTorch from MtlOnnx's weights
# One seed of the full protocol takes about 20 minutes on two idle cores: MtlOnnx first (two threads, two batch
# shards), then the PyTorch runs side by side on one thread each.
# Needs Debian's dataset-fashion-mnist and python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${SEEDS:-0 1 2 3 4 5}"
EPOCHS="${EPOCHS:-20}"
TRAIN_LIMIT="${TRAIN_LIMIT:-120000}"
TEST_LIMIT="${TEST_LIMIT:-10000}"
INIT_ARM="${INIT_ARM:-1}"
OUT="$(mktemp -d)"
dotnet build src/Cli -c Release -v quiet -nologo > /dev/null
dotnet build bench/trainer/Replay -c Release -v quiet -nologo > /dev/null
CLI=src/Cli/bin/Release/net10.0/mtlonnx.dll
REPLAY=bench/trainer/Replay/bin/Release/net10.0/MtlOnnx.Bench.TrainerReplay.dll

torch_run() {
  OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 /usr/bin/python3 bench/trainer/torch_multifashion.py --epochs "$EPOCHS" \
    --threads 1 --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" "$@"
}

for seed in $SEEDS; do
  job="$OUT/job$seed.yaml"
  sed -e "s/^epochs: 20/epochs: ${EPOCHS}/" -e "s/^seed: 0/seed: ${seed}/" \
      -e "s/^  validation_fraction: 0/  validation_fraction: 0\n  train_limit: ${TRAIN_LIMIT}\n  test_limit: ${TEST_LIMIT}/" \
      models/multi-fashion-lenet.yaml > "$job"
  echo "output: $OUT/run$seed" >> "$job"
  echo "seed $seed: MtlOnnx" >&2
  dotnet "$CLI" train "$job" --threads 2 > "$OUT/mtlonnx$seed.log" 2>&1
  echo "seed $seed: PyTorch" >&2
  torch_run --seed "$seed" > "$OUT/torch$seed.jsonl" &
  if [ "$INIT_ARM" = 1 ]; then
    dotnet "$REPLAY" "$job" "$OUT/init$seed" --initial-only
    torch_run --seed "$seed" --init-from "$OUT/init$seed/initial" > "$OUT/torchinit$seed.jsonl" &
  fi
  wait
done

/usr/bin/python3 - "$OUT" "$SEEDS" "$INIT_ARM" <<'PY'
import json, os, statistics, sys
out, seeds, init_arm = sys.argv[1], [int(s) for s in sys.argv[2].split()], sys.argv[3] == "1"

def ours(seed):
    last = json.load(open(os.path.join(out, f"run{seed}", "history.json")))[-1]["ValidationMetrics"]
    return 100 * last["left"]["accuracy"], 100 * last["right"]["accuracy"]

def torch(name):
    rows = [json.loads(line) for line in open(os.path.join(out, name)) if line.strip()]
    return 100 * rows[-1]["left"], 100 * rows[-1]["right"]

columns = [("MtlOnnx trainer", lambda s: ours(s)), ("PyTorch loop, torch.nn init", lambda s: torch(f"torch{s}.jsonl"))]
if init_arm:
    columns.append(("PyTorch loop, MtlOnnx's init", lambda s: torch(f"torchinit{s}.jsonl")))
values = {title: [get(s) for s in seeds] for title, get in columns}
print("| seed | " + " | ".join(title for title, _ in columns) + " |")
print("|---" * (len(columns) + 1) + "|")
for i, seed in enumerate(seeds):
    print(f"| {seed} | " + " | ".join(f"{values[t][i][0]:.1f} / {values[t][i][1]:.1f}" for t, _ in columns) + " |")

def spread(xs):
    return f"{statistics.mean(xs):.2f} ± {statistics.stdev(xs) if len(xs) > 1 else 0:.2f}"

print("| mean ± sd | " + " | ".join(
    f"{spread([v[0] for v in values[t]])} / {spread([v[1] for v in values[t]])}" for t, _ in columns) + " |")
print("| both ≥ 77 % | " + " | ".join(
    f"{sum(1 for a, b in values[t] if a >= 77 and b >= 77)} of {len(seeds)}" for t, _ in columns) + " |")
ours_mean = [statistics.mean(v[k] for v in values["MtlOnnx trainer"]) for k in (0, 1)]
torch_mean = [statistics.mean(v[k] for v in values["PyTorch loop, torch.nn init"]) for k in (0, 1)]
print(f"MtlOnnx minus PyTorch, means: {ours_mean[0] - torch_mean[0]:+.2f} / {ours_mean[1] - torch_mean[1]:+.2f} points")
PY
echo "logs: $OUT" >&2
