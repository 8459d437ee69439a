using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MtlOnnx.Serving.Hosting;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Repository;

/// <summary>
/// The models the server serves, read from <c>DIR/&lt;name&gt;/&lt;version&gt;/model.onnx</c> with an optional
/// <c>DIR/&lt;name&gt;/config.pbtxt</c>. Loads them at start-up, on the repository RPCs or when polling finds changes;
/// swaps versions without losing a request: a new version is published before the old one is retired, and a
/// retired version finishes the requests it already has.
/// </summary>
/// <remarks>
/// Changes are serialized by one lock; requests read an immutable snapshot and never wait for it.
/// </remarks>
internal sealed class ModelRepository : IAsyncDisposable
{
    /// <summary>The name of a model's configuration file.</summary>
    public const string ConfigFile = "config.pbtxt";

    private readonly ServingOptions _options;
    private readonly string _root;
    private readonly ModelVersionLoader _loader;
    private readonly ServingHealth _health;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly ConcurrentDictionary<string, ImmutableSortedDictionary<long, VersionState>> _states =
        new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, long Version), string> _failedStamps = [];
    private readonly HashSet<string> _wanted = new(StringComparer.Ordinal);
    private readonly List<Task> _retirements = [];
    private ImmutableDictionary<string, ServedModel> _served = ImmutableDictionary.Create<string, ServedModel>(StringComparer.Ordinal);
    private volatile bool _ready;
    private volatile bool _stopping;

    /// <summary>Initializes the repository; nothing is loaded until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The server options.</param>
    /// <param name="loader">Loads model versions.</param>
    /// <param name="health">Publishes readiness.</param>
    /// <param name="logger">The logger.</param>
    public ModelRepository(IOptions<ServingOptions> options, ModelVersionLoader loader, ServingHealth health,
        ILogger<ModelRepository> logger)
    {
        _options = options.Value;
        _root = Path.GetFullPath(_options.Repository);
        _loader = loader;
        _health = health;
        _logger = logger;
    }

    /// <summary>Gets the repository folder.</summary>
    public string Root => _root;

    /// <summary>Gets the model control mode.</summary>
    public ModelControlMode Mode => _options.ModelControlMode;

    /// <summary>Gets whether every model the server should serve is ready and the server is not stopping.</summary>
    public bool IsReady => _ready && !_stopping;

    /// <summary>Gets the served models, by name.</summary>
    public ImmutableDictionary<string, ServedModel> Served => Volatile.Read(ref _served);

    /// <summary>Loads the models the control mode asks for at start-up.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when every model has been tried.</returns>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var names = _options.ModelControlMode == ModelControlMode.Explicit && !_options.LoadModels.Contains("*")
                ? [.. _options.LoadModels]
                : ListModelFolders();
            foreach (var name in names)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _wanted.Add(name);
                TryLoad(name);
            }

            UpdateReadiness();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Scans the repository for added, changed and removed models and versions (poll mode).</summary>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>A task that completes when the scan is done.</returns>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var present = ListModelFolders().ToHashSet(StringComparer.Ordinal);
            foreach (var name in _wanted.Where(n => !present.Contains(n)).ToArray())
            {
                _wanted.Remove(name);
                Unload(name);
            }

            foreach (var name in present)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _wanted.Add(name);
                TryLoad(name);
            }

            UpdateReadiness();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Loads or reloads a model (<c>RepositoryModelLoad</c>).</summary>
    /// <param name="name">The model name.</param>
    /// <param name="cancellationToken">Cancels the wait for the repository lock.</param>
    /// <returns>A task that completes when the model is loaded.</returns>
    /// <exception cref="ServingException">The mode forbids it, the model is unknown, or it fails to load.</exception>
    public async Task LoadAsync(string name, CancellationToken cancellationToken)
    {
        RequireExplicitMode("load");
        var folder = ModelNames.FolderOf(_root, name);
        if (!Directory.Exists(folder))
        {
            throw ServingException.NotFound($"The repository has no model '{name}'.");
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _wanted.Add(name);
            try
            {
                LoadModel(name);
            }
            catch (ModelLoadException error)
            {
                throw new ServingException(StatusCode.FailedPrecondition, error.Message, error);
            }
            finally
            {
                UpdateReadiness();
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Unloads a model (<c>RepositoryModelUnload</c>); its in-flight requests finish first.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="cancellationToken">Cancels the wait for the repository lock.</param>
    /// <returns>A task that completes when the model no longer takes requests.</returns>
    /// <exception cref="ServingException">The mode forbids it or the name is not valid.</exception>
    public async Task UnloadAsync(string name, CancellationToken cancellationToken)
    {
        RequireExplicitMode("unload");
        ModelNames.Validate(name);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _wanted.Remove(name);
            Unload(name);
            UpdateReadiness();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Takes a ready version of a model for one request; the caller must <see cref="ModelVersion.Release"/> it.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="version">The version text; empty for the newest ready version.</param>
    /// <returns>The version, acquired.</returns>
    /// <exception cref="ServingException">The name or version is not valid, unknown, or not ready.</exception>
    public ModelVersion Acquire(string name, string? version)
    {
        var model = Find(name, version);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            if (model.TryAcquire())
            {
                return model;
            }

            // Retiring: the version replacing it is already published, so looking again finds it.
            Thread.Yield();
            model = Find(name, version);
        }

        throw new ServingException(StatusCode.Unavailable, $"{model.Label} is being unloaded; retry.");
    }

    /// <summary>Returns a ready version without acquiring it, for metadata.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="version">The version text; empty for the newest ready version.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ServingException">The name or version is not valid, unknown, or not ready.</exception>
    public ModelVersion Find(string name, string? version)
    {
        ModelNames.Validate(name);
        var number = ModelNames.ParseVersion(version);
        if (!Served.TryGetValue(name, out var model))
        {
            if (_states.TryGetValue(name, out var states) && states.Count > 0)
            {
                var reasons = string.Join(" ", states.Values.Select(s => s.Reason).Where(r => r.Length > 0).Distinct());
                throw new ServingException(StatusCode.Unavailable,
                    $"Model '{name}' has no ready version.{(reasons.Length > 0 ? " " + reasons : string.Empty)}");
            }

            throw ServingException.NotFound($"Model '{name}' is not loaded, or not in the repository.");
        }

        if (number is null)
        {
            return model.Latest;
        }

        return model.Find(number.Value) ?? throw ServingException.NotFound(
            $"Model '{name}' has no ready version {number}; ready versions: " +
            $"{string.Join(", ", model.Versions.Select(v => v.Version))}.");
    }

    /// <summary>Returns whether a model (one version, or any) is ready.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="version">The version text; empty for any.</param>
    /// <returns><see langword="true"/> when ready.</returns>
    /// <exception cref="ServingException">The name or version is not valid.</exception>
    public bool IsModelReady(string name, string? version)
    {
        ModelNames.Validate(name);
        var number = ModelNames.ParseVersion(version);
        return !_stopping && Served.TryGetValue(name, out var model) && (number is null || model.Find(number.Value) is not null);
    }

    /// <summary>Lists every model of the repository with the state of each version (<c>RepositoryIndex</c>).</summary>
    /// <param name="readyOnly">Whether to list ready versions only.</param>
    /// <returns>The entries.</returns>
    public IReadOnlyList<RepositoryIndexResponse.Types.ModelIndex> Index(bool readyOnly)
    {
        var entries = new List<RepositoryIndexResponse.Types.ModelIndex>();
        var names = ListModelFolders().Concat(_states.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var states = _states.GetValueOrDefault(name);
            if (states is null || states.Count == 0)
            {
                if (!readyOnly)
                {
                    entries.Add(new() { Name = name, State = VersionState.Unavailable, Reason = "unloaded" });
                }

                continue;
            }

            foreach (var (version, state) in states)
            {
                if (readyOnly && state.State != VersionState.Ready)
                {
                    continue;
                }

                entries.Add(new()
                {
                    Name = name,
                    Version = version.ToString(CultureInfo.InvariantCulture),
                    State = state.State,
                    Reason = state.Reason,
                });
            }
        }

        return entries;
    }

    /// <summary>Turns readiness off for shutdown: health checks report not serving while requests drain.</summary>
    public void BeginShutdown()
    {
        _stopping = true;
        _health.SetServer(false);
        foreach (var name in Served.Keys)
        {
            _health.SetModel(name, false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        BeginShutdown();
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var name in Served.Keys.ToArray())
            {
                Unload(name);
            }
        }
        finally
        {
            _lock.Release();
        }

        Task[] pending;
        lock (_retirements)
        {
            pending = [.. _retirements];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        _lock.Dispose();
    }

    private void RequireExplicitMode(string what)
    {
        if (_options.ModelControlMode != ModelControlMode.Explicit)
        {
            throw new ServingException(StatusCode.FailedPrecondition,
                $"Models cannot be {(what == "load" ? "loaded" : "unloaded")} on request in model control mode " +
                $"'{_options.ModelControlMode}'; start the server with model control mode 'Explicit'.");
        }
    }

    private List<string> ListModelFolders()
    {
        if (!Directory.Exists(_root))
        {
            return [];
        }

        var names = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(_root))
        {
            var name = Path.GetFileName(folder);
            if (ModelNames.IsValid(name))
            {
                names.Add(name);
            }
            else
            {
                RepositoryLog.IgnoredFolder(_logger, name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private void TryLoad(string name)
    {
        try
        {
            LoadModel(name);
        }
        catch (ModelLoadException error)
        {
            RepositoryLog.ModelFailed(_logger, name, error.Message);
        }
        catch (ServingException error)
        {
            RepositoryLog.ModelFailed(_logger, name, error.Message);
        }
    }

    private void LoadModel(string name)
    {
        var folder = ModelNames.FolderOf(_root, name);
        var configPath = Path.Combine(folder, ConfigFile);
        ModelConfig? config = null;
        if (File.Exists(configPath))
        {
            try
            {
                config = ProtoTextParser.Parse<ModelConfig>(File.ReadAllText(configPath), $"{name}/{ConfigFile}");
            }
            catch (ModelLoadException error)
            {
                SetStates(name, new Dictionary<long, VersionState> { [0] = new(VersionState.Unavailable, error.Message) });
                throw;
            }
        }

        var available = new Dictionary<long, string>();
        foreach (var dir in Directory.EnumerateDirectories(folder))
        {
            if (long.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
                && File.Exists(ModelVersionLoader.ModelFile(dir, config)))
            {
                available[v] = dir;
            }
        }

        var targets = VersionPolicy.Select(config?.VersionPolicy, available.Keys);
        if (targets.Length == 0)
        {
            var reason = $"Model '{name}' has no version folder with a model file that its version policy selects.";
            SetStates(name, new Dictionary<long, VersionState> { [0] = new(VersionState.Unavailable, reason) });
            Unpublish(name);
            throw new ModelLoadException(reason);
        }

        var configStamp = Stamp(configPath);
        var current = Served.GetValueOrDefault(name);
        var kept = new List<ModelVersion>();
        var states = new Dictionary<long, VersionState>();
        var failures = new List<string>();
        foreach (var version in targets)
        {
            var stamp = configStamp + "|" + StampFolder(available[version]);
            var existing = current?.Find(version);
            if (existing is not null && existing.Stamp == stamp)
            {
                kept.Add(existing);
                states[version] = new(VersionState.Ready, string.Empty);
                continue;
            }

            if (_failedStamps.TryGetValue((name, version), out var failedStamp) && failedStamp == stamp)
            {
                // The same files failed before; keep serving the old version, if any, until they change.
                KeepOld(existing, kept, states, version, _states.GetValueOrDefault(name)?.GetValueOrDefault(version));
                continue;
            }

            try
            {
                kept.Add(_loader.Load(name, version, available[version], config, stamp));
                states[version] = new(VersionState.Ready, string.Empty);
                _failedStamps.Remove((name, version));
            }
            catch (ModelLoadException error)
            {
                RepositoryLog.LoadFailed(_logger, name, version, error.Message);
                _failedStamps[(name, version)] = stamp;
                failures.Add(error.Message);
                KeepOld(existing, kept, states, version, new(VersionState.Unavailable, error.Message));
            }
        }

        Publish(name, kept, states);
        if (kept.Count == 0)
        {
            throw new ModelLoadException(string.Join(" ", failures));
        }
    }

    private static void KeepOld(ModelVersion? existing, List<ModelVersion> kept, Dictionary<long, VersionState> states,
        long version, VersionState? failed)
    {
        if (existing is not null)
        {
            kept.Add(existing);
            states[version] = new(VersionState.Ready, string.Empty);
        }
        else
        {
            states[version] = failed ?? new(VersionState.Unavailable, "The version failed to load.");
        }
    }

    private void Publish(string name, List<ModelVersion> versions, Dictionary<long, VersionState> states)
    {
        var previous = Served.GetValueOrDefault(name);
        if (versions.Count > 0)
        {
            var model = new ServedModel(name, [.. versions.OrderByDescending(v => v.Version)]);
            ImmutableInterlocked.Update(ref _served, (served, m) => served.SetItem(m.Name, m), model);
        }
        else
        {
            ImmutableInterlocked.Update(ref _served, (served, n) => served.Remove(n), name);
        }

        SetStates(name, states);
        _health.SetModel(name, versions.Count > 0 && !_stopping);

        // Retire only after the new snapshot is visible: a request that finds a retiring version looks again.
        foreach (var old in previous?.Versions ?? [])
        {
            if (!versions.Contains(old))
            {
                Retire(old);
            }
        }
    }

    private void Unpublish(string name) => Publish(name, [], _states.GetValueOrDefault(name)?.ToDictionary() ?? []);

    private void Unload(string name)
    {
        var previous = Served.GetValueOrDefault(name);
        ImmutableInterlocked.Update(ref _served, (served, n) => served.Remove(n), name);
        _states.TryRemove(name, out _);
        _health.SetModel(name, false);
        foreach (var version in previous?.Versions ?? [])
        {
            Retire(version);
        }

        if (previous is not null)
        {
            RepositoryLog.Unloaded(_logger, name);
        }
    }

    private void Retire(ModelVersion version)
    {
        RepositoryLog.Retiring(_logger, version.Name, version.Version);
        var task = Task.Run(async () =>
        {
            await version.RetireAsync().ConfigureAwait(false);
            RepositoryLog.Retired(_logger, version.Name, version.Version);
        });
        lock (_retirements)
        {
            _retirements.RemoveAll(t => t.IsCompleted);
            _retirements.Add(task);
        }
    }

    private void SetStates(string name, Dictionary<long, VersionState> states) =>
        _states[name] = states.ToImmutableSortedDictionary();

    private void UpdateReadiness()
    {
        var served = Served;
        _ready = _wanted.All(served.ContainsKey);
        _health.SetServer(IsReady);
    }

    private static string Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists
            ? string.Create(CultureInfo.InvariantCulture, $"{info.Length}@{info.LastWriteTimeUtc.Ticks}")
            : "-";
    }

    private static string StampFolder(string folder)
    {
        var builder = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            builder.Append(Path.GetFileName(file)).Append('=').Append(Stamp(file)).Append(';');
        }

        return builder.ToString();
    }
}
