namespace MtlOnnx.Training.Data;

/// <summary>
/// The exception thrown for one bad row of a manifest: a missing or undecodable file, a label outside the task's
/// label set, a value that is not a number. The message names the file, the row (and its line) and the column.
/// </summary>
public sealed class DataRowException : DataSourceException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public DataRowException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public DataRowException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public DataRowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for one row of a manifest.</summary>
    /// <param name="file">The manifest's name.</param>
    /// <param name="row">The one-based data row (the header is not counted).</param>
    /// <param name="line">The one-based line of the file where the row starts.</param>
    /// <param name="column">The column or field, or <see langword="null"/> for the whole row.</param>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error, or <see langword="null"/>.</param>
    public DataRowException(string file, int row, int line, string? column, string message, Exception? innerException = null)
        : base(
            $"{file}, row {row} (line {line}){(column is null ? string.Empty : $", column '{column}'")}: {message}",
            innerException!)
    {
        File = file;
        Row = row;
        Line = line;
        Column = column;
    }

    /// <summary>Gets the manifest's name.</summary>
    public string? File { get; }

    /// <summary>Gets the one-based data row.</summary>
    public int Row { get; }

    /// <summary>Gets the one-based line where the row starts.</summary>
    public int Line { get; }

    /// <summary>Gets the column or field, or <see langword="null"/>.</summary>
    public string? Column { get; }
}
