#!/usr/bin/env bash
# Export benchmark: single-sample and batch-64 latency of the same LeNet-like three-task network as the eval graph
# training hands over, as MtlOnnx's export (float32, float16, INT8) and as torch.onnx.export with the same weights,
# all in ONNX Runtime on the CPU with one intra-op thread, interleaved in one run. Also prints how far each model's
# outputs are from the eval graph's.
# Usage: bench/run_export_bench.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-40}"
dotnet build bench/MtlOnnx.Bench.Export -c Release -v quiet -nologo >/dev/null
dotnet bench/MtlOnnx.Bench.Export/bin/Release/net10.0/MtlOnnx.Bench.Export.dll --rounds "$rounds"
