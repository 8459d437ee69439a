namespace MtlOnnx.Training.Jobs;

/// <summary>How text inputs are tokenized.</summary>
public sealed class TextInputSpec
{
    /// <summary>
    /// Gets the tokenizer kind: <c>wordpiece</c> (a vocabulary file), <c>bpe</c> or <c>tiktoken</c> (from the
    /// data packages), or <c>sentencepiece</c> (a model file). The default is <c>wordpiece</c>.
    /// </summary>
    public string Tokenizer { get; init; } = "wordpiece";

    /// <summary>
    /// Gets the tokenizer's files, relative to the job file: one vocabulary file for WordPiece, <c>vocab.json</c> and
    /// <c>merges.txt</c> for BPE, one <c>.tiktoken</c> file (or none, with <see cref="Encoding"/>), one <c>.model</c>
    /// file for SentencePiece.
    /// </summary>
    public IReadOnlyList<string> Vocabulary { get; init; } = [];

    /// <summary>Gets the packaged tiktoken encoding, for example <c>gpt2</c>, used when no files are given.</summary>
    public string? Encoding { get; init; }

    /// <summary>Gets the sequence length: longer texts are truncated, shorter ones padded. The default is 64.</summary>
    public int MaxLength { get; init; } = 64;

    /// <summary>Gets whether text is lower-cased before tokenization. The default is <see langword="true"/>.</summary>
    public bool Lowercase { get; init; } = true;
}
