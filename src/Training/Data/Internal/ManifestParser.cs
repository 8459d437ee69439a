using System.Globalization;
using System.Text.Json;
using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data.Internal;

/// <summary>
/// Parses CSV and JSON Lines manifests into records, checking every label against its task: unknown class names,
/// non-numbers, partial regression targets and missing input fields are reported with row, line and column.
/// Missing labels (an empty CSV cell, a JSON null or an absent key) are allowed per task.
/// </summary>
internal sealed class ManifestParser
{
    private readonly JobSpec _job;
    private readonly string _file;
    private readonly string _name;
    private readonly string _directory;

    public ManifestParser(JobSpec job, string path)
    {
        _job = job;
        _file = path;
        _name = Path.GetFileName(path);
        _directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
    }

    public List<ManifestRecord> Parse(bool jsonLines, bool skipBadRows, List<string> warnings)
    {
        if (!File.Exists(_file))
        {
            throw new DataSourceException($"The manifest '{_file}' does not exist.");
        }

        var records = new List<ManifestRecord>();
        var row = 0;
        foreach (var (line, fields, error) in jsonLines ? JsonRows() : CsvRows())
        {
            row++;
            try
            {
                if (error is not null)
                {
                    throw new DataRowException(_name, row, line, null, error);
                }

                records.Add(Record(row, line, fields!));
            }
            catch (DataRowException ex) when (skipBadRows)
            {
                warnings.Add(ex.Message);
            }
        }

        if (records.Count == 0)
        {
            throw new DataSourceException($"The manifest '{_file}' has no usable rows ({row} rows read, {warnings.Count} skipped).");
        }

        return records;
    }

    private IEnumerable<(int Line, Func<string, (bool Present, string? Scalar,
        IReadOnlyList<string>? List)>? Field, string? Error)> CsvRows()
    {
        using var reader = new StreamReader(_file);
        using var rows = CsvReader.Read(reader, _name).GetEnumerator();
        if (!rows.MoveNext())
        {
            throw new DataSourceException($"The manifest '{_file}' is empty; it needs a header row.");
        }

        var header = rows.Current.Fields.Select(h => h.Trim()).ToList();
        CheckColumns(header);
        while (rows.MoveNext())
        {
            var (line, values) = rows.Current;
            if (values.Count != header.Count)
            {
                yield return (line, null, $"the row has {values.Count} fields, but the header has {header.Count}.");
                continue;
            }

            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++)
            {
                map[header[i]] = values[i];
            }

            yield return (line, Lookup(map), null);
        }
    }

    private static Func<string, (bool Present, string? Scalar, IReadOnlyList<string>? List)> Lookup(
        Dictionary<string, string> map) =>
        key =>
            {
                if (!map.TryGetValue(key, out var text) || text.Length == 0)
                {
                    return (false, null, null);
                }

                return (true, text, text.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            };

    private IEnumerable<(int Line, Func<string, (bool Present, string? Scalar,
        IReadOnlyList<string>? List)>? Field, string? Error)> JsonRows()
    {
        var line = 0;
        foreach (var text in File.ReadLines(_file))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var root = TryParse(text, out var error);
            if (root is null)
            {
                yield return (line, null, error);
                continue;
            }

            yield return (line, Lookup(root.Value), null);
        }
    }

    private static JsonElement? TryParse(string text, out string? error)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement.Clone();
            error = root.ValueKind == JsonValueKind.Object ? null : $"each line must be a JSON object, but this one is {root.ValueKind}.";
            return error is null ? root : null;
        }
        catch (JsonException ex)
        {
            error = $"the line is not valid JSON: {ex.Message}";
            return null;
        }
    }

    private static Func<string, (bool Present, string? Scalar, IReadOnlyList<string>? List)> Lookup(JsonElement root) =>
        key =>
            {
                if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    return (false, null, null);
                }

                return value.ValueKind switch
                {
                    JsonValueKind.Array => (true, null, value.EnumerateArray().Select(Scalar).ToList()),
                    _ => (true, Scalar(value), null),
                };
            };

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    private void CheckColumns(List<string> header)
    {
        var required = new List<string>();
        switch (_job.Input.Kind)
        {
            case InputKind.Image:
                required.Add(_job.Data.ImageColumn!);
                break;
            case InputKind.Text:
                required.Add(_job.Data.TextColumn!);
                break;
            default:
                required.AddRange(_job.Data.FeatureColumns);
                break;
        }

        foreach (var task in _job.Tasks)
        {
            required.AddRange(task.Kind == TaskKind.Regression ? task.Columns : [task.Column ?? task.Name]);
        }

        var missing = required.Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new DataSourceException(
                $"The manifest '{_name}' has no column {string.Join(", ", missing.Select(m => $"'{m}'"))}. " +
                $"Its header is: {string.Join(", ", header)}.");
        }
    }

    private ManifestRecord Record(
        int row,
        int line,
        Func<string, (bool Present, string? Scalar, IReadOnlyList<string>? List)> field)
    {
        string? imagePath = null;
        string? text = null;
        float[]? features = null;
        switch (_job.Input.Kind)
        {
            case InputKind.Image:
                var column = _job.Data.ImageColumn!;
                var image = field(column);
                if (!image.Present || image.Scalar is null)
                {
                    throw new DataRowException(_name, row, line, column, "the image path is missing.");
                }

                imagePath = Path.GetFullPath(Path.Combine(_directory, image.Scalar));
                if (!File.Exists(imagePath))
                {
                    throw new DataRowException(_name, row, line, column, $"the image file '{image.Scalar}' does not exist.");
                }

                break;
            case InputKind.Text:
                var textColumn = _job.Data.TextColumn!;
                var value = field(textColumn);
                if (!value.Present || value.Scalar is null)
                {
                    throw new DataRowException(_name, row, line, textColumn, "the text is missing.");
                }

                text = value.Scalar;
                break;
            default:
                features = new float[_job.Data.FeatureColumns.Count];
                for (var i = 0; i < features.Length; i++)
                {
                    var name = _job.Data.FeatureColumns[i];
                    features[i] = Number(row, line, name, field(name));
                }

                break;
        }

        var classes = new long[_job.Tasks.Count];
        var values = new float[]?[_job.Tasks.Count];
        for (var t = 0; t < _job.Tasks.Count; t++)
        {
            classes[t] = -1;
            var task = _job.Tasks[t];
            var column = task.Column ?? task.Name;
            switch (task.Kind)
            {
                case TaskKind.Multiclass:
                    var label = field(column);
                    if (label.Present)
                    {
                        var index = IndexOf(task, label.Scalar ?? string.Join('|', label.List ?? []));
                        classes[t] = index >= 0
                            ? index
                            : throw new DataRowException(_name, row, line, column,
                                $"label '{label.Scalar}' is not in the label set of task '{task.Name}' " +
                                $"({string.Join(", ", task.Labels)}).");
                    }

                    break;
                case TaskKind.Binary:
                    var flag = field(column);
                    if (flag.Present)
                    {
                        values[t] = [Binary(row, line, column, task, flag.Scalar ?? string.Empty)];
                    }

                    break;
                case TaskKind.Multilabel:
                    var set = field(column);
                    if (set.Present)
                    {
                        var vector = new float[task.Labels.Count];
                        foreach (var item in set.List ?? [set.Scalar!])
                        {
                            var index = IndexOf(task, item);
                            if (index < 0)
                            {
                                throw new DataRowException(_name, row, line, column,
                                    $"label '{item}' is not in the label set of task '{task.Name}' ({string.Join(", ", task.Labels)}).");
                            }

                            vector[index] = 1;
                        }

                        values[t] = vector;
                    }

                    break;
                default:
                    var targets = task.Columns.Select(field).ToList();
                    var present = targets.Count(v => v.Present);
                    if (present == targets.Count)
                    {
                        values[t] = targets.Select((v, i) => Number(row, line, task.Columns[i], v)).ToArray();
                    }
                    else if (present > 0)
                    {
                        var absent = task.Columns.Where((_, i) => !targets[i].Present);
                        throw new DataRowException(_name, row, line, string.Join(", ", absent),
                            $"task '{task.Name}' has some targets but not all; leave all of them empty to mark the label missing.");
                    }

                    break;
            }
        }

        return new ManifestRecord
        {
            Row = row,
            Line = line,
            ImagePath = imagePath,
            Text = text,
            Features = features,
            Classes = classes,
            Values = values,
        };
    }

    private static int IndexOf(TaskSpec task, string label)
    {
        for (var i = 0; i < task.Labels.Count; i++)
        {
            if (string.Equals(task.Labels[i], label, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private float Binary(int row, int line, string column, TaskSpec task, string text)
    {
        if (task.Labels.Count == 2)
        {
            if (text == task.Labels[0])
            {
                return 0;
            }

            if (text == task.Labels[1])
            {
                return 1;
            }
        }

        return text.ToLowerInvariant() switch
        {
            "1" or "true" or "yes" => 1,
            "0" or "false" or "no" => 0,
            _ => throw new DataRowException(
                _name,
                row,
                line,
                column,
                $"'{text}' is not a binary label; use 0/1, true/false, yes/no" +
                $"{(task.Labels.Count == 2 ? $" or {task.Labels[0]}/{task.Labels[1]}" : string.Empty)}."),
        };
    }

    private float Number(int row, int line, string column, (bool Present, string? Scalar, IReadOnlyList<string>? List) value)
    {
        if (!value.Present || value.Scalar is null)
        {
            throw new DataRowException(_name, row, line, column, "the number is missing.");
        }

        if (!float.TryParse(value.Scalar, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !float.IsFinite(number))
        {
            throw new DataRowException(_name, row, line, column, $"'{value.Scalar}' is not a finite number.");
        }

        return number;
    }
}
