#!/usr/bin/env bash
# Training-session benchmark: the full training step of the Multi-Fashion two-task LeNet (batch 256, 2 threads),
# MtlOnnx's TrainingSession (LazyResetGrad + TrainStep + OptimizerStep with Adam) on ONNX Runtime against
# PyTorch's forward, backward and torch.optim.Adam step, both in this one run. The sides run alternately ROUNDS
# times so that machine noise hits both; the summary takes the median of the round medians.
# Usage: bench/run_session_bench.sh [ROUNDS] [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
iterations="${2:-30}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

dotnet build bench/MtlOnnx.Bench.Session -c Release -v quiet -nologo >/dev/null
bench_dll=bench/MtlOnnx.Bench.Session/bin/Release/net10.0/MtlOnnx.Bench.Session.dll
for round in $(seq 1 "$rounds"); do
  dotnet "$bench_dll" --batch 256 --threads 2 --iterations "$iterations" --optimizer cpu \
    --json "$out/cpu_$round.json" >/dev/null
  dotnet "$bench_dll" --batch 256 --threads 2 --iterations "$iterations" --optimizer graph \
    --json "$out/graph_$round.json" >/dev/null
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=2 /usr/bin/python3 bench/session/torch_lenet_adam.py --batch 256 --threads 2 \
    --iterations "$iterations" --json "$out/torch_$round.json" >/dev/null
done

/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, os, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
load = lambda side: [json.load(open(os.path.join(out, f"{side}_{r}.json"))) for r in range(1, rounds + 1)]
cpu, graph, torch = load("cpu"), load("graph"), load("torch")
med = lambda runs, key: statistics.median(r[key] for r in runs)
t = med(torch, "step_median_ms")
print(f"rounds: {rounds}, iterations per round: {cpu[0]['iterations']}, batch {cpu[0]['batch']}, "
      f"threads {cpu[0]['threads']}; PyTorch {torch[0]['version']}, BLAS: {torch[0]['blas']}")
print("| | full step median (ms) | step min (ms) | TrainStep median (ms) | OptimizerStep median (ms) "
      "| managed bytes per step | ratio to PyTorch |")
print("|---|---|---|---|---|---|---|")
for name, runs in (("TrainingSession, CPU optimizer path", cpu), ("TrainingSession, optimizer graph", graph)):
    print(f"| {name} | {med(runs, 'step_median_ms'):.1f} | {min(r['step_min_ms'] for r in runs):.1f} | "
          f"{med(runs, 'train_step_median_ms'):.1f} | {med(runs, 'optimizer_step_median_ms'):.2f} | "
          f"{max(r['managed_bytes_per_step'] for r in runs):.0f} | {med(runs, 'step_median_ms') / t:.2f} |")
print(f"| PyTorch forward + backward + Adam | {t:.1f} | {min(r['step_min_ms'] for r in torch):.1f} | | | | 1.00 |")
print(f"per-round full-step medians (ms): CPU path {[round(r['step_median_ms'], 1) for r in cpu]}, "
      f"graph {[round(r['step_median_ms'], 1) for r in graph]}, PyTorch {[round(r['step_median_ms'], 1) for r in torch]}")
PY
