using System.Text.Json.Serialization;

namespace MtlOnnx.ModelCards;

/// <summary>
/// The tokenizer algorithm of a text input.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<TokenizerKind>))]
public enum TokenizerKind
{
    /// <summary>WordPiece (BERT) from one vocabulary file, one token per line.</summary>
    [JsonStringEnumMemberName("wordpiece")]
    WordPiece,

    /// <summary>Byte-pair encoding from a <c>vocab.json</c> and a <c>merges.txt</c> file, in that order.</summary>
    [JsonStringEnumMemberName("bpe")]
    Bpe,

    /// <summary>
    /// Tiktoken byte-level BPE, from a named encoding (<see cref="TextSpec.Encoding"/>, for example
    /// <c>gpt2</c>) whose data ships in a package, or from one <c>.tiktoken</c> file.
    /// </summary>
    [JsonStringEnumMemberName("tiktoken")]
    Tiktoken,

    /// <summary>SentencePiece from one <c>.model</c> file (BPE or unigram).</summary>
    [JsonStringEnumMemberName("sentencepiece")]
    SentencePiece,
}
