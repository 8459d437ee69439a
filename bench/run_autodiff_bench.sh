#!/usr/bin/env bash
# Autodiff benchmark: one forward+backward step of the Multi-Fashion two-task LeNet (batch 256, 2 threads),
# MtlOnnx's generated graph on ONNX Runtime against PyTorch autograd, both in this one run. The two sides run
# alternately ROUNDS times so that machine noise hits both; the summary takes the median of the round medians.
# Usage: bench/run_autodiff_bench.sh [ROUNDS] [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
iterations="${2:-30}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

dotnet build bench/MtlOnnx.Bench.Autodiff -c Release -v quiet -nologo >/dev/null
bench_dll=bench/MtlOnnx.Bench.Autodiff/bin/Release/net10.0/MtlOnnx.Bench.Autodiff.dll
for round in $(seq 1 "$rounds"); do
  dotnet "$bench_dll" --batch 256 --threads 2 --iterations "$iterations" --json "$out/ort_$round.json" >/dev/null
  OMP_NUM_THREADS=2 /usr/bin/python3 bench/autodiff/torch_lenet.py --batch 256 --threads 2 \
    --iterations "$iterations" --json "$out/torch_$round.json" >/dev/null
done

/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, os, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
load = lambda side: [json.load(open(os.path.join(out, f"{side}_{r}.json"))) for r in range(1, rounds + 1)]
ort, torch = load("ort"), load("torch")
med = lambda runs, key: statistics.median(r[key] for r in runs)
o, t = med(ort, "step_median_ms"), med(torch, "step_median_ms")
print(f"rounds: {rounds}, iterations per round: {ort[0]['iterations']}, batch {ort[0]['batch']}, threads {ort[0]['threads']}")
print(f"per-round step medians (ms): ORT {[round(r['step_median_ms'], 1) for r in ort]}, "
      f"PyTorch {[round(r['step_median_ms'], 1) for r in torch]}")
print("| | step median (ms) | step min (ms) | forward median (ms) | peak RSS (MB) | peak RSS above baseline (MB) |")
print("|---|---|---|---|---|---|")
for name, runs in (("MtlOnnx autodiff on ONNX Runtime 1.32", ort), (f"PyTorch {torch[0]['version']} autograd", torch)):
    print(f"| {name} | {med(runs, 'step_median_ms'):.1f} | {min(r['step_min_ms'] for r in runs):.1f} | "
          f"{med(runs, 'forward_median_ms'):.1f} | {max(r['peak_rss_mb'] for r in runs):.0f} | "
          f"{max(r['peak_rss_mb'] - r['baseline_rss_mb'] for r in runs):.0f} |")
print(f"ratio ORT / PyTorch (step medians): {o / t:.2f}")
print(f"ORT graph: {ort[0]['nodes']} nodes, built in {ort[0]['graph_build_ms']:.0f} ms; PyTorch BLAS: {torch[0]['blas']}")
PY
