#!/usr/bin/env bash
# Export precision figures: trains a job (unless its run folder already has best.ckpt), then exports the checkpoint
# at float32, float16 and INT8 with `mtlonnx export` and prints each export's size and per-task metric change
# against float32 on the job's held-out data (the thresholds are set wide so that every export is written and
# reported; the defaults refuse a drop of more than 1 accuracy point), checks each with onnx.checker and counts its
# operators, then times the three exports at batch 1 and 64 in one interleaved run (bench/MtlOnnx.Bench.Export).
# Usage: bench/run_export_precision.sh JOB.yaml [SPLIT] [SAMPLES] [ROUNDS]
#   SPLIT: validation or test (default test); SAMPLES: how many of its samples (default 10000, capped at its size);
#   ROUNDS: latency rounds (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
job="$(realpath "$1")"
split="${2:-test}"
samples="${3:-10000}"
rounds="${4:-30}"
dotnet build src/Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/MtlOnnx.Bench.Export -c Release -v quiet -nologo >/dev/null
cli=(dotnet src/Cli/bin/Release/net10.0/mtlonnx.dll)
name="$(sed -n 's/^name: *//p' "$job" | head -n 1)"
output="$(sed -n 's/^output: *//p' "$job" | head -n 1)"
run="$(dirname "$job")/${output:-runs/$name}"
if [[ ! -f "$run/best.ckpt" ]]; then
  "${cli[@]}" train "$job"
fi

repository="$(mktemp -d)"
trap 'rm -rf "$repository"' EXIT
for precision in "" --fp16 --int8; do
  echo "== mtlonnx export $run/best.ckpt --job $(basename "$job") ${precision:-(float32)}"
  "${cli[@]}" export "$run/best.ckpt" --job "$job" --repository "$repository" --name "$name" --force \
    --version 1 ${precision:+"$precision"} --validation-split "$split" --validation-samples "$samples" \
    --max-metric-drop 100 --max-error-increase 100
  label="${precision#--}"
  cp "$repository/$name/1/model.onnx" "$repository/${label:-fp32}.onnx"
  ls -l "$repository/$name/1/model.onnx" | awk '{print "   model.onnx: " $5 " bytes"}'
  /usr/bin/python3 -c "
import collections, onnx, sys
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
ops = collections.Counter(n.op_type for n in m.graph.node)
print('   ops:', ', '.join(f'{k} {v}' for k, v in sorted(ops.items())))
" "$repository/$name/1/model.onnx"
done

echo "== latency of the three exports"
cd "$repository"
dotnet "$OLDPWD/bench/MtlOnnx.Bench.Export/bin/Release/net10.0/MtlOnnx.Bench.Export.dll" --rounds "$rounds" \
  --models fp32.onnx fp16.onnx int8.onnx
