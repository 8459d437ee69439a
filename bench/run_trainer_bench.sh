#!/usr/bin/env bash
# Trainer benchmark: Multi-Fashion with the LeNet preset (Adam 1e-3, batch 256, 20 epochs, equal weighting), MtlOnnx's
# full trainer (data loading included) against PyTorch's equivalent loop, in the same run, two threads each.
# Needs Debian's dataset-fashion-mnist and python3-torch. Takes about an hour on two idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS="${EPOCHS:-20}"
OUT="$(mktemp -d)"
sed "s/^epochs: 20/epochs: ${EPOCHS}/" models/multi-fashion-lenet.yaml > "$OUT/job.yaml"
echo "output: $OUT/run" >> "$OUT/job.yaml"
dotnet run -c Release --project src/Cli -- train "$OUT/job.yaml" --threads 2 | tee "$OUT/mtlonnx.log"
OMP_NUM_THREADS=2 /usr/bin/python3 bench/trainer/torch_multifashion.py --epochs "$EPOCHS" --threads 2 | tee "$OUT/torch.log"
echo "MtlOnnx test metrics: $OUT/run/metrics.json"
