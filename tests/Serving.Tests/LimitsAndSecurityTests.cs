using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Tests.Infrastructure;

namespace MtlOnnx.Serving.Tests;

public sealed class LimitsAndSecurityTests : IDisposable
{
    private static readonly Metadata s_gzip = new() { { "grpc-internal-encoding-request", "gzip" } };

    private readonly TestRepository _repository = new();

    public LimitsAndSecurityTests()
    {
        _repository.Add("affine", 1, TestModels.Affine());
    }

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task CompressedRequest_InflatingPastTheCap_IsResourceExhausted()
    {
        await using var server = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:Limits:MaxRequestBytes"] = "1048576",
        });

        // 40 MB of zeros deflate to about 40 KB: far under the 1 MB wire limit, far over it inflated.
        var bomb = Requests.AffineRaw([1, 2, 3, 4]);
        bomb.Id = new string('0', 40 * 1024 * 1024);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Inference.ModelInferAsync(bomb, s_gzip));
        var small = await server.Inference.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4]), s_gzip);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("inflates to more than 1048576 bytes", error.Status.Detail);
        Assert.Equal([3f, 5, 7, 9], Requests.Floats(small, "y"));
    }

    [Fact]
    public async Task CompressedRequest_WhenRefusedByConfiguration_IsUnimplemented()
    {
        await using var server = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:Limits:AllowCompressedRequests"] = "false",
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Inference.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4]), s_gzip));
        var plain = await server.Inference.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4]));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains("does not accept compressed requests", error.Status.Detail);
        Assert.Single(plain.Outputs, o => o.Name == "y");
    }

    [Fact]
    public async Task OversizedMessage_IsResourceExhausted()
    {
        await using var server = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:Limits:MaxRequestBytes"] = "65536",
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Inference.ModelInferAsync(Requests.AffineRaw(new float[4 * 8192])));
        var ok = await server.Inference.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4]));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("exceeds the maximum configured message size", error.Status.Detail);
        Assert.NotEmpty(ok.Outputs);
    }

    [Fact]
    public async Task ApiKeys_MissingOrWrong_AreUnauthenticated_RepositoryKeyIsSeparate()
    {
        await using var server = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:ModelControlMode"] = "Explicit",
            ["Serving:LoadModels:0"] = "affine",
            ["Serving:Security:ApiKeys:0"] = "inference-key",
            ["Serving:Security:RepositoryApiKeys:0"] = "admin-key",
        });
        var client = server.Inference;
        var request = Requests.AffineRaw([1, 2, 3, 4]);
        Metadata Key(string key) => new() { { "x-api-key", key } };

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(request));
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(request, Key("guess")));
        var ok = await client.ModelInferAsync(request, Key("inference-key"));
        var bearer = await client.ModelInferAsync(request, new Metadata { { "authorization", "Bearer inference-key" } });
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await client.RepositoryModelUnloadAsync(
            new RepositoryModelUnloadRequest { ModelName = "affine" }, Key("inference-key")));
        var adminOnInference = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(request, Key("admin-key")));
        await client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "affine" }, Key("admin-key"));
        var health = await server.Health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Contains("carries no API key; send it in the 'x-api-key' header", missing.Status.Detail);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal("The API key is not valid.", wrong.Status.Detail);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, adminOnInference.StatusCode);
        Assert.NotEmpty(ok.Outputs);
        Assert.NotEmpty(bearer.Outputs);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task MutualTls_RequiresATrustedClientCertificate_AndAllowedSubjectForRepository()
    {
        using var ca = Certificates.Authority("CN=Test CA");
        using var serverCert = Certificates.Issue(ca, "CN=localhost", server: true);
        using var deployer = Certificates.Issue(ca, "CN=deployer", server: false);
        using var reader = Certificates.Issue(ca, "CN=reader", server: false);
        using var stranger = Certificates.Issue(Certificates.Authority("CN=Other CA"), "CN=deployer", server: false);
        var folder = Path.Combine(_repository.Base, "tls");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "server.pem"), serverCert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "server.key"), serverCert.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());

        await using var server = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:ModelControlMode"] = "Explicit",
            ["Serving:LoadModels:0"] = "*",
            ["Serving:Tls:CertificatePath"] = Path.Combine(folder, "server.pem"),
            ["Serving:Tls:KeyPath"] = Path.Combine(folder, "server.key"),
            ["Serving:Tls:ClientCertificateMode"] = "RequireCertificate",
            ["Serving:Tls:ClientCaPath"] = Path.Combine(folder, "ca.pem"),
            ["Serving:Security:RepositoryClientSubjects:0"] = "CN=deployer",
        });
        Assert.Equal("https", server.Server.GrpcAddress.Scheme);

        using var deployerChannel = Channel(server, ca, deployer);
        using var readerChannel = Channel(server, ca, reader);
        using var strangerChannel = Channel(server, ca, stranger);
        using var anonymous = Channel(server, ca, null);
        var request = Requests.AffineRaw([1, 2, 3, 4]);

        var read = await new GRPCInferenceService.GRPCInferenceServiceClient(readerChannel).ModelInferAsync(request);
        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            await new GRPCInferenceService.GRPCInferenceServiceClient(readerChannel).RepositoryModelLoadAsync(
                new RepositoryModelLoadRequest { ModelName = "affine" }));
        await new GRPCInferenceService.GRPCInferenceServiceClient(deployerChannel).RepositoryModelLoadAsync(
            new RepositoryModelLoadRequest { ModelName = "affine" });
        var trusted = new GRPCInferenceService.GRPCInferenceServiceClient(readerChannel);
        var before = await trusted.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "affine" });
        var untrusted = await Assert.ThrowsAsync<RpcException>(async () =>
            await new GRPCInferenceService.GRPCInferenceServiceClient(strangerChannel).ModelInferAsync(request));
        var none = await Assert.ThrowsAsync<RpcException>(async () =>
            await new GRPCInferenceService.GRPCInferenceServiceClient(anonymous).ModelInferAsync(request));
        var after = await trusted.ModelInferAsync(request);
        var stats = await trusted.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "affine" });

        Assert.NotEmpty(read.Outputs);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("'CN=reader' may not change the repository", denied.Status.Detail);

        // A refused handshake surfaces on the client as a failed connection, and which status the client library
        // makes of it depends on when the alert arrives (TLS 1.3 sends it after the client thinks it is done); what
        // matters is that it failed and never reached a model: between the two readings only the trusted call ran.
        Assert.NotEqual(StatusCode.OK, untrusted.StatusCode);
        Assert.NotEqual(StatusCode.OK, none.StatusCode);
        Assert.NotEmpty(after.Outputs);
        Assert.Equal(before.ModelStats.Single().InferenceCount + 1, stats.ModelStats.Single().InferenceCount);
    }

    [Theory]
    [InlineData("Serving:Port", "70000", "Serving:Port is 70000")]
    [InlineData("Serving:Batching:MaxBatchSize", "0", "Serving:Batching:MaxBatchSize is 0")]
    [InlineData("Serving:Address", "not-an-ip", "Serving:Address 'not-an-ip' is not an IP address")]
    [InlineData("Serving:Tls:ClientCertificateMode", "RequireCertificate", "needs TLS")]
    public async Task InvalidOptions_StopTheServerWithAMessage(string key, string value, string message)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
            await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(message, error.Message);
    }

    private static GrpcChannel Channel(ServerHarness server, X509Certificate2 ca, X509Certificate2? client)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is X509Certificate2 c && chain.Build(c);
        };
        if (client is not null)
        {
            handler.SslOptions.ClientCertificates = [client];
        }

        return GrpcChannel.ForAddress(server.Server.GrpcAddress, new GrpcChannelOptions { HttpHandler = handler });
    }

    private static class Certificates
    {
        public static X509Certificate2 Authority(string subject)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2));
        }

        public static X509Certificate2 Issue(X509Certificate2 authority, string subject, bool server)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
            if (server)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddDnsName("localhost");
                names.AddIpAddress(System.Net.IPAddress.Loopback);
                request.CertificateExtensions.Add(names.Build());
            }

            var serial = RandomNumberGenerator.GetBytes(8);
            using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), serial);
            using var withKey = issued.CopyWithPrivateKey(key);

            // A PKCS#12 round trip gives a certificate whose key the TLS stack can use on Linux.
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
    }
}
