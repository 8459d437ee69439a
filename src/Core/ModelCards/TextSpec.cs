namespace MtlOnnx.ModelCards;

/// <summary>
/// How raw text becomes token ids: a character cap, the tokenizer, then truncation or padding to
/// <see cref="MaxLength"/> with an attention mask.
/// </summary>
public sealed class TextSpec
{
    /// <summary>Gets or sets the tokenizer algorithm. The default is <see cref="TokenizerKind.WordPiece"/>.</summary>
    public TokenizerKind Tokenizer { get; set; } = TokenizerKind.WordPiece;

    /// <summary>
    /// Gets or sets the name of a packaged tiktoken encoding or model (for example <c>gpt2</c> or
    /// <c>cl100k_base</c>), used by <see cref="TokenizerKind.Tiktoken"/> when <see cref="Files"/> is empty; its data
    /// comes from a <c>Microsoft.ML.Tokenizers.Data</c> package (MtlOnnx references gpt2's). The default is none.
    /// </summary>
    public string? Encoding { get; set; }

    /// <summary>
    /// Gets or sets the tokenizer's files, in the order <see cref="TokenizerKind"/> documents, each with its hash.
    /// </summary>
    public IList<TokenizerFile> Files { get; set; } = [];

    /// <summary>Gets or sets the number of tokens per sequence, special tokens included. The default is 128.</summary>
    public int MaxLength { get; set; } = 128;

    /// <summary>Gets or sets whether text is lower-cased before tokenizing. The default is <see langword="true"/>.
    /// </summary>
    public bool Lowercase { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the tokenizer's special tokens (<c>[CLS]</c> and <c>[SEP]</c> for WordPiece) are added.
    /// The default is <see langword="true"/>.
    /// </summary>
    public bool AddSpecialTokens { get; set; } = true;

    /// <summary>
    /// Gets or sets the token that fills the sequence after the text. The default is <c>[PAD]</c>; when
    /// <see langword="null"/>, padding uses id 0 (the attention mask tells the model to ignore it).
    /// </summary>
    public string? PadToken { get; set; } = "[PAD]";

    /// <summary>Gets or sets the token for text outside the vocabulary. The default is <c>[UNK]</c>.</summary>
    public string? UnknownToken { get; set; } = "[UNK]";

    /// <summary>
    /// Gets or sets the name of the graph input that receives the attention mask (1 for a token, 0 for padding),
    /// or <see langword="null"/> when the model takes none. The default is none.
    /// </summary>
    public string? AttentionMaskInput { get; set; }

    /// <summary>
    /// Gets or sets the largest number of characters accepted before tokenizing; longer text is refused rather
    /// than tokenized. The default is 100,000.
    /// </summary>
    public int MaxCharacters { get; set; } = 100_000;
}
