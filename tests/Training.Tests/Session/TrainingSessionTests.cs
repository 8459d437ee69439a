using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Schedulers;
using MtlOnnx.Training.Session;
using MtlOnnx.Training.Tests.Optimizers;
using TrainingSession = MtlOnnx.Training.Session.TrainingSession;

namespace MtlOnnx.Training.Tests.Session;

public sealed class TrainingSessionTests(TorchOptimizerReference torch)
    : IClassFixture<TorchOptimizerReference>, IDisposable
{
    private readonly TempFolder _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("adam", OptimizerExecution.Cpu)]
    [InlineData("adam", OptimizerExecution.Graph)]
    [InlineData("adamw_groups_clip", OptimizerExecution.Cpu)]
    [InlineData("adamw_groups_clip", OptimizerExecution.Graph)]
    [InlineData("sgd_nesterov_default_groups", OptimizerExecution.Graph)]
    public void TrainAndOptimizerStep_MatchTorchStepByStep(string name, OptimizerExecution execution)
    {
        var c = OptimizerCase.Get(name);
        var artifacts = MlpArtifacts.Generate(_directory.File("artifacts"), c.Spec, torch.Model.Initial);
        using var session = new TrainingSession(artifacts, Options(execution));
        using var batch = new MlpBatch(TinyMlp.Batch);
        batch.CopyFrom(torch.Model.X, torch.Model.Y);
        var parameters = new float[session.ParameterCount()];

        for (var step = 1; step <= TorchOptimizerReference.Steps; step++)
        {
            session.LazyResetGrad();
            session.TrainStep(batch.Inputs, batch.Outputs);
            session.OptimizerStep();
            session.CopyParametersTo(parameters);
            var expected = torch.Trajectories[name][step - 1];
            for (var i = 0; i < parameters.Length; i++)
            {
                var tolerance = (1e-5 * Math.Abs(expected[i])) + 1e-7;
                Assert.True(
                    Math.Abs(parameters[i] - expected[i]) <= tolerance,
                    $"{name} ({execution}), step {step}, element {i}: {parameters[i]:R}, torch {expected[i]:R}.");
            }
        }

        Assert.Equal(TorchOptimizerReference.Steps, session.Step);
        Assert.Equal(execution == OptimizerExecution.Graph, session.UsesOptimizerGraph);
    }

    [Fact]
    public void TrainStep_Gradient_MatchesHandWrittenGradient()
    {
        var artifacts = Generate(OptimizerSpec.Sgd(0.1f));
        using var session = new TrainingSession(artifacts, Options());
        using var batch = new MlpBatch(TinyMlp.Batch);
        batch.CopyFrom(torch.Model.X, torch.Model.Y);
        var expected = new float[session.ParameterCount()];
        torch.Model.Gradient(torch.Model.Initial, expected);

        session.TrainStep(batch.Inputs, batch.Outputs);

        var actual = session.GradientBuffer.ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = 1e-6 + (1e-5 * Math.Abs(expected[i]));
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"element {i}: {actual[i]} vs {expected[i]}");
        }

        using var b1 = session.GetGradient("b1");
        Assert.Equal(actual.AsSpan(24, 6).ToArray(), b1.GetTensorDataAsSpan<float>().ToArray());
        Assert.True(batch.Loss[0] > 0);
    }

    [Theory]
    [InlineData(OptimizerExecution.Cpu)]
    [InlineData(OptimizerExecution.Graph)]
    public void SameSeed_100Steps_GiveBitIdenticalParameters(OptimizerExecution execution)
    {
        var first = Train(execution, "a", steps: 100);
        var second = Train(execution, "b", steps: 100);

        Assert.Equal(first, second);
        Assert.NotEqual(new TinyMlp(TorchOptimizerReference.Seed).Initial, first);
    }

    [Theory]
    [InlineData(OptimizerExecution.Cpu)]
    [InlineData(OptimizerExecution.Graph)]
    public void StopAt50_ReloadAndContinue_EndsBitIdenticalToUninterruptedRun(OptimizerExecution execution)
    {
        var uninterrupted = Train(execution, "full", steps: 100);
        var checkpoint = _directory.File("step50.safetensors");
        Train(execution, "first-half", steps: 50, saveTo: checkpoint);

        var resumed = Train(execution, "second-half", steps: 100, resumeFrom: checkpoint);

        Assert.Equal(uninterrupted, resumed);
    }

    [Fact]
    public void GradientAccumulation_FourBatchesOf64_EqualOneBatchOf256()
    {
        var artifacts = Generate(OptimizerSpec.Sgd(0.1f));
        using var session = new TrainingSession(artifacts, Options());
        using var large = new MlpBatch(256);
        large.Fill(0);
        session.LazyResetGrad();
        session.TrainStep(large.Inputs, large.Outputs);
        var whole = session.GradientBuffer.ToArray();

        using var small = new MlpBatch(64);
        session.LazyResetGrad();
        for (var part = 0; part < 4; part++)
        {
            small.Fill(part * 64);
            session.TrainStep(small.Inputs, small.Outputs);
        }

        // Each part's loss is a mean over 64 samples, so the sum of four parts is four times the mean over 256.
        var accumulated = session.GradientBuffer.ToArray();
        for (var i = 0; i < whole.Length; i++)
        {
            var expected = 4 * whole[i];
            Assert.True(
                Math.Abs(accumulated[i] - expected) <= 1e-6 + (2e-5 * Math.Abs(expected)),
                $"element {i}: accumulated {accumulated[i]}, four times the whole batch {expected}.");
        }
    }

    [Fact]
    public void LazyResetGrad_ReplacesInsteadOfAdding()
    {
        var artifacts = Generate(OptimizerSpec.Sgd(0.1f));
        using var session = new TrainingSession(artifacts, Options());
        using var batch = new MlpBatch(16);
        batch.Fill(0);
        session.TrainStep(batch.Inputs, batch.Outputs);
        var once = session.GradientBuffer.ToArray();
        session.TrainStep(batch.Inputs, batch.Outputs);
        var twice = session.GradientBuffer.ToArray();
        session.LazyResetGrad();
        session.TrainStep(batch.Inputs, batch.Outputs);

        Assert.Equal(once.Select(v => v * 2), twice);
        Assert.Equal(once, session.GradientBuffer.ToArray());
    }

    [Fact]
    public void ExportModelForInferencing_OutputsEqualEvalModel()
    {
        var artifacts = MlpArtifacts.Generate(_directory.File("artifacts"), OptimizerSpec.Adam(0.05f), torch.Model.Initial);
        using var session = new TrainingSession(artifacts, Options());
        using var batch = new MlpBatch(32);
        for (var step = 0; step < 5; step++)
        {
            batch.Fill(step * 32);
            session.LazyResetGrad();
            session.TrainStep(batch.Inputs, batch.Outputs);
            session.OptimizerStep();
        }

        var exported = _directory.File("inference.onnx");
        session.ExportModelForInferencing(exported, ["pred"]);
        using var evalOutputs = session.EvalStep(batch.Inputs);
        using var inference = new InferenceSession(exported);
        using var runOptions = new RunOptions();
        using var outputs = inference.Run(runOptions, ["x"], [batch.Inputs[0]], ["pred"]);

        Assert.Equal(["x"], inference.InputNames);
        Assert.Equal(
            evalOutputs["pred"].GetTensorDataAsSpan<float>().ToArray(),
            outputs[0].GetTensorDataAsSpan<float>().ToArray());
        var model = MtlOnnx.Onnx.OnnxModelIO.Load(exported);
        Assert.Equal(["b1", "b2", "w1", "w2"], model.Graph.Initializer.Select(i => i.Name).Order());
    }

    [Fact]
    public void ExportModelForInferencing_UnknownOutput_ListsTheOutputs()
    {
        var artifacts = MlpArtifacts.Generate(_directory.File("artifacts"), OptimizerSpec.Adam(), torch.Model.Initial);
        using var session = new TrainingSession(artifacts);

        var error = Assert.Throws<ArgumentException>(
            () => session.ExportModelForInferencing(_directory.File("m.onnx"), ["logits"]));

        Assert.Contains(
            "'logits' is not an output of the evaluation graph; the outputs are pred, pred_loss",
            error.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OptimizerExecution.Cpu)]
    [InlineData(OptimizerExecution.Graph)]
    public void SteadyStateSteps_AllocateNoManagedMemory(OptimizerExecution execution)
    {
        var spec = OptimizerSpec.AdamW() with { MaxGradientNorm = 1f };
        var artifacts = MlpArtifacts.Generate(_directory.File("artifacts"), spec, torch.Model.Initial);
        using var session = new TrainingSession(artifacts, Options(execution));
        session.RegisterScheduler(new CosineScheduler(2, 100, 1e-3f));
        using var batch = new MlpBatch(32);
        batch.Fill(0);
        for (var step = 0; step < 4; step++)
        {
            Step(session, batch);
        }

        // A garbage collection that another test's thread starts inside the window retires this thread's allocation
        // context, and the counter then takes in its unused bytes (a few kilobytes, once). An allocation in the step
        // shows in every window, so the quietest of three must be zero.
        var allocated = long.MaxValue;
        for (var window = 0; window < 3 && allocated > 0; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var step = 0; step < 50; step++)
            {
                Step(session, batch);
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, allocated);

        static void Step(TrainingSession session, MlpBatch batch)
        {
            session.LazyResetGrad();
            session.TrainStep(batch.Inputs, batch.Outputs);
            session.OptimizerStep();
            session.SchedulerStep();
        }
    }

    [Fact]
    public void ParameterAccess_RoundTripsAndChecksShapes()
    {
        var artifacts = Generate(OptimizerSpec.Sgd(0.1f));
        using var session = new TrainingSession(artifacts);

        using (var buffer = session.ToBuffer(onlyTrainable: true))
        {
            Assert.Equal(torch.Model.Initial, buffer.GetTensorDataAsSpan<float>().ToArray());
        }

        using (var b2 = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 2, 3 }, [3]))
        {
            session.UpdateParameter("b2", b2);
        }

        using (var back = session.GetParameter("b2"))
        {
            Assert.Equal([1f, 2, 3], back.GetTensorDataAsSpan<float>().ToArray());
        }

        using var wrong = OrtValue.CreateTensorValueFromMemory(new float[4], [4]);
        var error = Assert.Throws<ArgumentException>(() => session.UpdateParameter("b2", wrong));
        Assert.Contains(
            "Parameter 'b2' has shape [3], but the value has shape [4]", error.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => session.GetParameter("w9"));

        var flat = torch.Model.Initial.Select(v => v * 2).ToArray();
        using (var value = OrtValue.CreateTensorValueFromMemory(flat, [flat.Length]))
        {
            session.FromBuffer(value);
        }

        var copy = new float[flat.Length];
        session.CopyParametersTo(copy);
        Assert.Equal(flat, copy);
    }

    [Fact]
    public void LearningRate_ConstantAndSchedulerAreMutuallyExclusive()
    {
        var artifacts = Generate(OptimizerSpec.Sgd(0.1f));
        using (var scheduled = new TrainingSession(artifacts))
        {
            Assert.Equal(0.1f, scheduled.GetLearningRate());
            scheduled.RegisterLinearLRScheduler(warmupStepCount: 2, totalStepCount: 4, initialLearningRate: 0.2f);
            Assert.Equal(0f, scheduled.GetLearningRate());
            scheduled.SchedulerStep();
            Assert.Equal(0.1f, scheduled.GetLearningRate());
            var error = Assert.Throws<InvalidOperationException>(() => scheduled.SetLearningRate(0.5f));
            Assert.Contains("mutually exclusive", error.Message, StringComparison.Ordinal);
        }

        using var constant = new TrainingSession(artifacts);
        constant.SetLearningRate(0.05f);
        Assert.Equal(0.05f, constant.GetLearningRate());
        Assert.Throws<InvalidOperationException>(() => constant.RegisterLinearLRScheduler(1, 10, 0.1f));
        Assert.Throws<InvalidOperationException>(constant.SchedulerStep);
    }

    [Fact]
    public void LoadCheckpoint_OfAnotherModel_SaysWhatDiffers()
    {
        var artifacts = MlpArtifacts.Generate(_directory.File("artifacts"), OptimizerSpec.Adam(), torch.Model.Initial);
        using var session = new TrainingSession(artifacts);
        var other = new TrainingCheckpoint();
        other.Tensors.Add(new CheckpointTensor("w1", CheckpointTensorRole.Trainable, [6, 5], new float[30]));
        other.Tensors.Add(new CheckpointTensor("w2", CheckpointTensorRole.Trainable, [3, 6], new float[18]));
        other.Tensors.Add(new CheckpointTensor("b2", CheckpointTensorRole.Trainable, [3], new float[3]));
        other.Tensors.Add(new CheckpointTensor("head.bias", CheckpointTensorRole.Trainable, [3], new float[3]));
        var path = _directory.File("other.safetensors");
        other.Save(path);

        var error = Assert.Throws<CheckpointMismatchException>(() => session.LoadCheckpoint(path));

        Assert.Equal(
            [
                "The parameter 'w1' has shape [6, 5] in the checkpoint, expected [6, 4].",
                "The parameter 'b1' [6] is missing.",
                "The checkpoint has the parameter 'head.bias', which the model does not have.",
            ],
            error.Differences);
        Assert.Equal(torch.Model.Initial, ToArray(session));
    }

    [Fact]
    public void SaveCheckpoint_KeepsPropertiesRandomStateAndScheduler()
    {
        var artifacts = MlpArtifacts.Generate(_directory.File("artifacts"), OptimizerSpec.Adam(), torch.Model.Initial);
        var path = _directory.File("ckpt.safetensors");
        using (var session = new TrainingSession(artifacts))
        {
            session.RegisterScheduler(new StepScheduler(3, 0.5, 0.01f));
            session.SchedulerStep();
            session.SchedulerStep();
            session.SchedulerStep();
            session.Properties.AddProperty("epoch", 7L);
            session.RandomState = [1UL, 2UL, 3UL, 4UL];
            session.MethodState = [9, 8, 7];
            session.SaveCheckpoint(path);
        }

        using var resumed = new TrainingSession(artifacts);
        resumed.LoadCheckpoint(path);

        Assert.Equal(0.005f, resumed.GetLearningRate());
        Assert.Equal(7L, resumed.Properties.GetProperty("epoch"));
        Assert.Equal([1UL, 2UL, 3UL, 4UL], resumed.RandomState);
        Assert.Equal([9, 8, 7], resumed.MethodState);
    }

    private static TrainingSessionOptions Options(OptimizerExecution execution = OptimizerExecution.Auto) =>
        new() { Optimizer = execution, IntraOpThreads = 1 };

    private float[] Train(
        OptimizerExecution execution,
        string name,
        int steps,
        string? saveTo = null,
        string? resumeFrom = null)
    {
        var spec = OptimizerSpec.AdamW(0.01f, weightDecay: 0.05f) with { MaxGradientNorm = 2f };
        var initial = new TinyMlp(TorchOptimizerReference.Seed).Initial;
        var artifacts = MlpArtifacts.Generate(_directory.File(name), spec, initial);
        using var session = new TrainingSession(
            artifacts, new TrainingSessionOptions { Optimizer = execution, IntraOpThreads = 2 });
        session.RegisterScheduler(new CosineScheduler(10, 100, 0.01f));
        if (resumeFrom is not null)
        {
            session.LoadCheckpoint(resumeFrom);
        }

        using var batch = new MlpBatch(64);
        for (var step = (int)session.Step; step < steps; step++)
        {
            batch.Fill(step * 64 % 1024);
            session.LazyResetGrad();
            session.TrainStep(batch.Inputs, batch.Outputs);
            session.OptimizerStep();
            session.SchedulerStep();
        }

        if (saveTo is not null)
        {
            session.SaveCheckpoint(saveTo);
        }

        return ToArray(session);
    }

    private MtlOnnx.Training.Artifacts.TrainingArtifacts Generate(OptimizerSpec spec) =>
        MlpArtifacts.Generate(_directory.File("artifacts"), spec, torch.Model.Initial);

    private static float[] ToArray(TrainingSession session)
    {
        var values = new float[session.ParameterCount()];
        session.CopyParametersTo(values);
        return values;
    }
}
