using System.Diagnostics;
using System.Globalization;
using System.Text;
using MtlOnnx.Serving.Repository;

namespace MtlOnnx.Serving.Metrics;

/// <summary>
/// Writes the server's metrics in the Prometheus text format, named after Triton's where Triton has one
/// (<c>nv_inference_*</c>, labelled by model and version) and <c>mtlonnx_*</c> for the histograms and call counts.
/// </summary>
internal static class PrometheusExporter
{
    /// <summary>The content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Writes every metric.</summary>
    /// <param name="repository">The model repository.</param>
    /// <param name="calls">The call counters.</param>
    /// <returns>The text.</returns>
    public static string Write(ModelRepository repository, CallMetrics calls)
    {
        var versions = repository.Served.Values.OrderBy(m => m.Name, StringComparer.Ordinal)
            .SelectMany(m => m.Versions.OrderBy(v => v.Version)).ToArray();
        var text = new StringBuilder(4096);

        Counter(text, "nv_inference_request_success", "Successful inference requests.", versions,
            v => v.Statistics.Success.Count);
        Header(text, "nv_inference_request_failure", "counter", "Failed inference requests, by reason.");
        foreach (var v in versions)
        {
            foreach (var reason in Enum.GetValues<FailureReason>())
            {
                Sample(text, "nv_inference_request_failure", Labels(v, ("reason", reason.ToString().ToUpperInvariant())),
                    v.Statistics.Failures(reason));
            }
        }

        Counter(text, "nv_inference_count", "Inferences performed (batch rows).", versions, v => v.Statistics.InferenceCount);
        Counter(text, "nv_inference_exec_count", "Model executions (batches).", versions, v => v.Statistics.ExecutionCount);
        Gauge(text, "nv_inference_pending_request_count", "Requests waiting or running.", versions, v => v.Scheduler.Pending);
        Counter(text, "nv_inference_request_duration_us", "Cumulative request duration in microseconds.", versions,
            v => (v.Statistics.Success.Nanoseconds + v.Statistics.Fail.Nanoseconds) / 1000);
        Counter(text, "nv_inference_queue_duration_us", "Cumulative queue duration in microseconds.", versions,
            v => v.Statistics.Queue.Nanoseconds / 1000);
        Counter(text, "nv_inference_compute_input_duration_us", "Cumulative input assembly duration in microseconds.",
            versions, v => v.Statistics.ComputeInput.Nanoseconds / 1000);
        Counter(text, "nv_inference_compute_infer_duration_us", "Cumulative model run duration in microseconds.", versions,
            v => v.Statistics.ComputeInfer.Nanoseconds / 1000);
        Counter(text, "nv_inference_compute_output_duration_us", "Cumulative output split duration in microseconds.",
            versions, v => v.Statistics.ComputeOutput.Nanoseconds / 1000);
        Counter(text, "mtlonnx_inference_decode_duration_us",
            "Cumulative time successful requests spent turning the request into tensors, in microseconds.", versions,
            v => v.Statistics.Decode.Nanoseconds / 1000);
        Counter(text, "mtlonnx_inference_encode_duration_us",
            "Cumulative time successful requests spent writing the response, in microseconds.", versions,
            v => v.Statistics.Encode.Nanoseconds / 1000);

        HistogramFamily(text, "mtlonnx_inference_request_duration_seconds", "Duration of successful requests.", versions,
            v => v.Statistics.RequestSeconds);
        HistogramFamily(text, "mtlonnx_inference_queue_duration_seconds", "Queue time of successful requests.", versions,
            v => v.Statistics.QueueSeconds);
        HistogramFamily(text, "mtlonnx_inference_batch_size", "Rows per model execution.", versions,
            v => v.Statistics.BatchSize);

        Header(text, "mtlonnx_grpc_calls_total", "counter", "gRPC calls by method and status code.");
        foreach (var (method, code, count) in calls.Snapshot().OrderBy(c => c.Method, StringComparer.Ordinal).ThenBy(c => c.Code))
        {
            Sample(text, "mtlonnx_grpc_calls_total", $"method=\"{Escape(method)}\",code=\"{code}\"", count);
        }

        using var process = Process.GetCurrentProcess();
        Header(text, "process_resident_memory_bytes", "gauge", "Resident memory of the server process.");
        Sample(text, "process_resident_memory_bytes", string.Empty, process.WorkingSet64);
        Header(text, "process_managed_heap_bytes", "gauge", "Bytes in use on the managed heap.");
        Sample(text, "process_managed_heap_bytes", string.Empty, GC.GetTotalMemory(false));
        Header(text, "process_cpu_seconds_total", "counter", "CPU time of the server process.");
        Sample(text, "process_cpu_seconds_total", string.Empty, process.TotalProcessorTime.TotalSeconds);
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help, ModelVersion[] versions,
        Func<ModelVersion, long> value) => Family(text, name, "counter", help, versions, value);

    private static void Gauge(StringBuilder text, string name, string help, ModelVersion[] versions,
        Func<ModelVersion, long> value) => Family(text, name, "gauge", help, versions, value);

    private static void Family(StringBuilder text, string name, string type, string help, ModelVersion[] versions,
        Func<ModelVersion, long> value)
    {
        Header(text, name, type, help);
        foreach (var v in versions)
        {
            Sample(text, name, Labels(v), value(v));
        }
    }

    private static void HistogramFamily(StringBuilder text, string name, string help, ModelVersion[] versions,
        Func<ModelVersion, Histogram> select)
    {
        Header(text, name, "histogram", help);
        foreach (var v in versions)
        {
            var histogram = select(v);
            var counts = histogram.CumulativeCounts();
            for (var i = 0; i < counts.Length; i++)
            {
                var bound = i < histogram.Bounds.Length
                    ? histogram.Bounds[i].ToString("R", CultureInfo.InvariantCulture)
                    : "+Inf";
                Sample(text, name + "_bucket", Labels(v, ("le", bound)), counts[i]);
            }

            Sample(text, name + "_sum", Labels(v), histogram.Sum);
            Sample(text, name + "_count", Labels(v), histogram.Count);
        }
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{').Append(labels).Append('}');
        }

        text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Labels(ModelVersion v, (string Name, string Value)? extra = null)
    {
        var labels = $"model=\"{Escape(v.Name)}\",version=\"{v.VersionText}\"";
        return extra is { } e ? $"{labels},{e.Name}=\"{Escape(e.Value)}\"" : labels;
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);
}
