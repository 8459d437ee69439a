using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace MtlOnnx.Serving;

/// <summary>TLS (configuration section <c>Serving:Tls</c>). Without a certificate the server speaks HTTP/2 in clear text.</summary>
public sealed class TlsOptions
{
    /// <summary>Gets or sets the server certificate: a PEM file (with <see cref="KeyPath"/>) or a PKCS#12 file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Gets or sets the PEM private key of the certificate, when <see cref="CertificatePath"/> is PEM.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Gets or sets the password of a PKCS#12 certificate or an encrypted key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Gets or sets whether clients present certificates. Defaults to <see cref="ClientCertificateMode.NoCertificate"/>.</summary>
    public ClientCertificateMode ClientCertificateMode { get; set; } = ClientCertificateMode.NoCertificate;

    /// <summary>
    /// Gets or sets the PEM file of the certificate authorities that client certificates must chain to. Required when
    /// client certificates are allowed.
    /// </summary>
    public string? ClientCaPath { get; set; }

    /// <summary>Gets whether TLS is configured.</summary>
    public bool Enabled => !string.IsNullOrEmpty(CertificatePath);
}
