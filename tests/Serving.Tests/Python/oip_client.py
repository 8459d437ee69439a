"""An independent Open Inference Protocol client: Python grpcio with stubs generated from the MtlOnnx protos.

Calls every RPC of inference.GRPCInferenceService against a running server and prints one JSON object with what
each returned, for the .NET test to check. Usage: oip_client.py STUBS_DIR HOST:PORT
"""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
import numpy as np  # noqa: E402
from inference import grpc_service_pb2 as pb  # noqa: E402
from inference import grpc_service_pb2_grpc as rpc  # noqa: E402


def main():
    channel = grpc.insecure_channel(sys.argv[2])
    stub = rpc.GRPCInferenceServiceStub(channel)
    out = {}

    out["live"] = stub.ServerLive(pb.ServerLiveRequest(), timeout=10).live
    out["ready"] = stub.ServerReady(pb.ServerReadyRequest(), timeout=10).ready
    out["model_ready"] = stub.ModelReady(pb.ModelReadyRequest(name="affine"), timeout=10).ready
    meta = stub.ServerMetadata(pb.ServerMetadataRequest(), timeout=10)
    out["server"] = {"name": meta.name, "extensions": list(meta.extensions)}
    model = stub.ModelMetadata(pb.ModelMetadataRequest(name="affine"), timeout=10)
    out["metadata"] = {
        "versions": list(model.versions),
        "platform": model.platform,
        "inputs": [[t.name, t.datatype, list(t.shape)] for t in model.inputs],
        "outputs": [[t.name, t.datatype, list(t.shape)] for t in model.outputs],
    }

    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    raw = pb.ModelInferRequest(model_name="affine", id="py")
    tensor = raw.inputs.add()
    tensor.name, tensor.datatype = "x", "FP32"
    tensor.shape.extend(x.shape)
    raw.raw_input_contents.append(x.tobytes())
    response = stub.ModelInfer(raw, timeout=10)
    names = [o.name for o in response.outputs]
    y = np.frombuffer(response.raw_output_contents[names.index("y")], dtype=np.float32)
    out["infer_raw"] = {"id": response.id, "version": response.model_version, "y": y.tolist(),
                        "shape": list(response.outputs[names.index("y")].shape)}

    typed = pb.ModelInferRequest(model_name="affine")
    tensor = typed.inputs.add()
    tensor.name, tensor.datatype = "x", "FP32"
    tensor.shape.extend([1, 4])
    tensor.contents.fp32_contents.extend([1.0, 2.0, 3.0, 4.0])
    typed.outputs.add().name = "s"
    response = stub.ModelInfer(typed, timeout=10)
    out["infer_typed"] = list(response.outputs[0].contents.fp32_contents)

    texts = [b"caf\xc3\xa9", b"", b"grpc"]
    strings = pb.ModelInferRequest(model_name="strings")
    tensor = strings.inputs.add()
    tensor.name, tensor.datatype = "text", "BYTES"
    tensor.shape.append(len(texts))
    strings.raw_input_contents.append(b"".join(struct.pack("<I", len(t)) + t for t in texts))
    response = stub.ModelInfer(strings, timeout=10)
    echo, offset = [], 0
    blob = response.raw_output_contents[0]
    while offset < len(blob):
        (length,) = struct.unpack_from("<I", blob, offset)
        echo.append(blob[offset + 4:offset + 4 + length].decode("utf-8"))
        offset += 4 + length
    out["infer_bytes"] = echo

    config = stub.ModelConfig(pb.ModelConfigRequest(name="affine"), timeout=10).config
    out["config"] = {"name": config.name, "platform": config.platform, "max_batch_size": config.max_batch_size,
                     "inputs": [[i.name, i.data_type, list(i.dims)] for i in config.input]}
    stats = stub.ModelStatistics(pb.ModelStatisticsRequest(name="affine"), timeout=10)
    out["stats"] = [{"name": s.name, "version": s.version, "success": s.inference_stats.success.count,
                     "inference_count": s.inference_count, "execution_count": s.execution_count}
                    for s in stats.model_stats]

    stub.RepositoryModelUnload(pb.RepositoryModelUnloadRequest(model_name="strings"), timeout=30)
    out["after_unload"] = stub.ModelReady(pb.ModelReadyRequest(name="strings"), timeout=10).ready
    index = stub.RepositoryIndex(pb.RepositoryIndexRequest(), timeout=10)
    out["index"] = sorted([m.name, m.version, m.state] for m in index.models)
    stub.RepositoryModelLoad(pb.RepositoryModelLoadRequest(model_name="strings"), timeout=30)
    out["after_load"] = stub.ModelReady(pb.ModelReadyRequest(name="strings"), timeout=10).ready

    errors = {}
    bad_shape = pb.ModelInferRequest(model_name="affine")
    tensor = bad_shape.inputs.add()
    tensor.name, tensor.datatype = "x", "FP32"
    tensor.shape.extend([1, 5])
    bad_shape.raw_input_contents.append(np.zeros(5, dtype=np.float32).tobytes())
    for name, request in [("unknown_model", pb.ModelInferRequest(model_name="nope")), ("bad_shape", bad_shape)]:
        try:
            stub.ModelInfer(request, timeout=10)
            errors[name] = ["OK", ""]
        except grpc.RpcError as error:
            errors[name] = [error.code().name, error.details()]
    out["errors"] = errors

    print(json.dumps(out))


if __name__ == "__main__":
    main()
