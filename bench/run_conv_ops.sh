#!/usr/bin/env bash
# Cost breakdown of the trainer benchmark's convolutions and pooling: each piece of one Multi-Fashion LeNet step
# (batch 256) on ONNX Runtime through bench/MtlOnnx.Bench.Profile and on PyTorch, alternately, ROUNDS times, with the
# given thread count. Prints processor milliseconds per piece and the FLOP rate per processor-second.
# Usage: bench/run_conv_ops.sh [ROUNDS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
threads="${2:-1}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build bench/MtlOnnx.Bench.Profile -c Release -v quiet -nologo >/dev/null
profiler=bench/MtlOnnx.Bench.Profile/bin/Release/net10.0/MtlOnnx.Bench.Profile.dll
for round in $(seq 1 "$rounds"); do
  OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads" /usr/bin/python3 bench/trainer/conv_ops.py "$out/models" \
    --threads "$threads" >> "$out/torch.jsonl"
  for model in "$out"/models/*.onnx; do
    printf '%s ' "$(basename "$model" .onnx)" >> "$out/ort.txt"
    dotnet "$profiler" "$model" --threads "$threads" --iterations 20 | head -1 >> "$out/ort.txt"
  done
done

/usr/bin/python3 - "$out" <<'PY'
import collections, json, re, statistics, sys
sys.path.insert(0, "bench/trainer")
from conv_ops import MACS
out = sys.argv[1]
ort = collections.defaultdict(list)
for line in open(f"{out}/ort.txt"):
    name = line.split()[0]
    ort[name].append(float(re.search(r"processor time ([0-9.]+) ms", line).group(1)))
torch = collections.defaultdict(list)
for line in open(f"{out}/torch.jsonl"):
    r = json.loads(line)
    torch[r["piece"]].append(r["cpu_ms"])
rate = lambda name, ms: f"{2 * MACS[name] / ms / 1e6:.0f}" if name in MACS else ""
print("| piece | ONNX Runtime processor ms | GFLOP/s | PyTorch processor ms | GFLOP/s |")
print("|---|---:|---:|---:|---:|")
for name in sorted(ort):
    o = statistics.median(ort[name])
    t = statistics.median(torch[name]) if name in torch else None
    theirs = "| |" if t is None else f"| {t:.1f} | {rate(name, t)} |"
    print(f"| {name} | {o:.1f} | {rate(name, o)} {theirs}")
PY
