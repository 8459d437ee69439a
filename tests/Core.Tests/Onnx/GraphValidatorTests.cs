using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Onnx;

public sealed class GraphValidatorTests
{
    [Fact]
    public void Validate_SoundModel_NoProblems()
    {
        Assert.Empty(GraphValidator.Validate(OnnxModelIOTests.SmallModel()));
    }

    [Fact]
    public void Validate_DanglingInput_NamesNodeOperatorAndInput()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, 2);
        b.NewNode("Conv", [x.Name, "missing_w"], ["y"], name: "conv2");
        b.AddOutput(new GraphValue("y"), ElementType.Float);

        var problems = GraphValidator.Validate(b.ToModel());

        Assert.Equal(
            ["Node 'conv2' (Conv): input 'missing_w' is not produced by any node, input or initializer."], problems);
    }

    [Fact]
    public void Validate_DuplicateOutput_NamesBothNodes()
    {
        var model = OnnxModelIOTests.SmallModel();
        model.Graph.Node.Add(new NodeProto { OpType = "Relu", Name = "again", Input = { "x" }, Output = { "y" } });

        var problems = GraphValidator.Validate(model);

        Assert.Contains("Node 'again' (Relu): output 'y' is already produced by node 'Identity' (Identity).", problems);
    }

    [Fact]
    public void Validate_Cycle_Reported()
    {
        var model = OnnxModelIOTests.SmallModel();
        model.Graph.Node.Add(new NodeProto { OpType = "Relu", Name = "r1", Input = { "x", "c2" }, Output = { "c1" } });
        model.Graph.Node.Add(new NodeProto { OpType = "Relu", Name = "r2", Input = { "c1" }, Output = { "c2" } });

        var problems = GraphValidator.Validate(model);

        Assert.Contains(problems, p => p.Contains("has a cycle: nodes 'r1' (Relu), 'r2' (Relu)"));
    }

    [Fact]
    public void Validate_NodesOutOfOrder_SaysTopologicalOrder()
    {
        var model = OnnxModelIOTests.SmallModel();
        var first = model.Graph.Node[0];
        model.Graph.Node.RemoveAt(0);
        model.Graph.Node.Add(first);

        var problems = GraphValidator.Validate(model);

        var problem = Assert.Single(problems);
        Assert.Contains("input 'Add_out' is produced by node 'Add' (Add), which comes later", problem);
    }

    [Fact]
    public void Validate_NoOpsetImport_Reported()
    {
        var model = OnnxModelIOTests.SmallModel();
        model.OpsetImport.Clear();

        var problems = GraphValidator.Validate(model);

        Assert.Contains("The model imports no operator set; it needs an opset import for the 'ai.onnx' domain.", problems);
    }

    [Fact]
    public void Validate_CustomDomainNotImported_NamesDomain()
    {
        var model = OnnxModelIOTests.SmallModel();
        model.Graph.Node[1].Domain = "com.example";

        var problems = GraphValidator.Validate(model);

        Assert.Contains(
            "Node 'Identity' (Identity): its domain 'com.example' is not imported by the model's opset imports.",
            problems);
    }

    [Fact]
    public void Validate_NoOutputs_Reported()
    {
        var model = OnnxModelIOTests.SmallModel();
        model.Graph.Output.Clear();

        Assert.Contains("Graph 'small' declares no outputs.", GraphValidator.Validate(model));
    }

    [Fact]
    public void Validate_OutputNotProduced_Reported()
    {
        var model = OnnxModelIOTests.SmallModel();
        model.Graph.Output.Add(ValueInfos.Tensor("nowhere", ElementType.Float, null));

        Assert.Contains(
            "Graph 'small': output 'nowhere' is not produced by any node, input or initializer.",
            GraphValidator.Validate(model));
    }

    [Theory]
    [InlineData("x", "output 'x' is already a graph input.")]
    [InlineData("w", "output 'w' is already an initializer.")]
    public void Validate_NodeRedefinesInputOrInitializer_Reported(string name, string expected)
    {
        var model = OnnxModelIOTests.SmallModel();
        model.Graph.Node.Add(new NodeProto { OpType = "Relu", Name = "clash", Input = { "y" }, Output = { name } });

        Assert.Contains($"Node 'clash' (Relu): {expected}", GraphValidator.Validate(model));
    }

    [Fact]
    public void Validate_DuplicateInitializer_Reported()
    {
        var model = OnnxModelIOTests.SmallModel();
        model.Graph.Initializer.Add(model.Graph.Initializer[0].Clone());

        Assert.Contains("Graph 'small': initializer 'w' is declared twice.", GraphValidator.Validate(model));
    }

    [Fact]
    public void Validate_InitializerAlsoInput_AllowedFromIr4ButRequiredBefore()
    {
        var model = OnnxModelIOTests.SmallModel();
        model.IrVersion = 3;

        var missing = GraphValidator.Validate(model);
        model.Graph.Input.Add(ValueInfos.Tensor("w", ElementType.Float, [Dim.Fixed(4)]));
        model.IrVersion = 8;

        Assert.Contains("Graph 'small': initializer 'w' is not a graph input, which IR version 3 requires.", missing);
        Assert.Empty(GraphValidator.Validate(model));
    }

    [Fact]
    public void Validate_SubgraphUsesOuterScope_Accepted()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, 2);
        var cond = b.AddInput("cond", ElementType.Bool);
        var branch = new GraphProto { Name = "then" };
        branch.Node.Add(new NodeProto { OpType = "Relu", Input = { x.Name }, Output = { "inner" } });
        branch.Output.Add(ValueInfos.Tensor("inner", ElementType.Float, [Dim.Fixed(2)]));
        var elseBranch = branch.Clone();
        elseBranch.Name = "else";
        elseBranch.Node[0].Input[0] = "not_visible";
        b.NewNode("If", [cond.Name], ["y"], "if", "", Attr.Graph("then_branch", branch), Attr.Graph("else_branch", elseBranch));
        b.AddOutput(new GraphValue("y"), ElementType.Float, [2]);

        var problems = GraphValidator.Validate(b.ToModel());

        Assert.Equal(["Node #0 (Relu): input 'not_visible' is not produced by any node, input or initializer."], problems);
    }

    [Fact]
    public void ThrowIfInvalid_ManyProblems_MessageNamesSourceAndCount()
    {
        var model = OnnxModelIOTests.SmallModel();
        for (var i = 0; i < 7; i++)
        {
            model.Graph.Node.Add(new NodeProto { OpType = "Relu", Name = $"n{i}", Input = { $"m{i}" }, Output = { $"o{i}" } });
        }

        var ex = Assert.Throws<ModelFormatException>(() => GraphValidator.ThrowIfInvalid(model, "model.onnx"));

        Assert.StartsWith("'model.onnx' is not a valid model. Node 'n0' (Relu): input 'm0'", ex.Message);
        Assert.EndsWith("(2 more problems not shown.)", ex.Message);
    }
}
