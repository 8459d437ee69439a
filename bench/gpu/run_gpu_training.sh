#!/usr/bin/env bash
# Runs MtlOnnx's training path on a CUDA GPU end to end, for a machine that has one: artifact generation,
# TrainingSession on the CUDA execution provider with parameters, gradients and Adam state on the device and the
# optimizer graph run there through IO binding (ping-pong buffers), checked against the same steps on the CPU,
# then timed on the Multi-Fashion two-task LeNet (batch 256).
#
# Needs an NVIDIA driver and the CUDA 13 and cuDNN 9 runtime libraries that Microsoft.ML.OnnxRuntime.Gpu 1.32
# loads (libcublasLt.so.13, libcudnn.so.9, ...) on the library path.
# Usage: bench/gpu/run_gpu_training.sh [DEVICE] [ITERATIONS]     (DEVICE defaults to cuda:0)
set -euo pipefail
cd "$(dirname "$0")/../.."
device="${1:-cuda:0}"
iterations="${2:-50}"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "No NVIDIA GPU is visible (nvidia-smi failed); this script needs one." >&2
  exit 2
fi
nvidia-smi -L

dotnet build bench/MtlOnnx.Bench.Session -c Release -v quiet -nologo >/dev/null
bench_dll=bench/MtlOnnx.Bench.Session/bin/Release/net10.0/MtlOnnx.Bench.Session.dll

echo "== correctness: 20 Adam steps on $device against the CPU"
dotnet "$bench_dll" --device "$device" --optimizer graph --verify-steps 20

echo "== timing on $device (optimizer graph on the device)"
dotnet "$bench_dll" --device "$device" --optimizer graph --threads 2 --iterations "$iterations"

echo "== timing on the CPU, for comparison"
dotnet "$bench_dll" --device cpu --threads 2 --iterations "$iterations"
