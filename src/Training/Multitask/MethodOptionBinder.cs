using System.Collections;
using System.Globalization;
using System.Reflection;

namespace MtlOnnx.Training.Multitask;

/// <summary>
/// Copies options given by name (as a job file writes them: <c>max_iter</c>, <c>scale_mode</c>) onto the settable
/// public properties of a method's options object (<c>MaxIter</c>, <c>ScaleMode</c>).
/// </summary>
/// <remarks>
/// Names match when they agree after removing underscores and dashes, ignoring case. Values may be numbers, booleans,
/// strings, enum names, or sequences of numbers (or a comma-separated string) for array properties.
/// </remarks>
public static class MethodOptionBinder
{
    /// <summary>Applies <paramref name="values"/> to <paramref name="target"/>.</summary>
    /// <param name="method">The method's registry name, used in error messages.</param>
    /// <param name="target">The options object to modify.</param>
    /// <param name="values">The options by name; <see langword="null"/> leaves every default in place.</param>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="method"/> or <paramref name="target"/> is <see langword="null"/>.
    /// </exception>
    /// <exception cref="MultitaskConfigurationException">
    /// An option is unknown or its value cannot be converted.
    /// </exception>
    public static void Apply(string method, object target, IReadOnlyDictionary<string, object?>? values)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(target);
        if (values is null || values.Count == 0)
        {
            return;
        }

        PropertyInfo[] properties = target.GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic)
            .ToArray();
        foreach ((string key, object? value) in values)
        {
            PropertyInfo? property = properties.FirstOrDefault(p => Normalize(p.Name) == Normalize(key));
            if (property is null)
            {
                string known = string.Join(", ", properties.Select(p => ToSnakeCase(p.Name)));
                throw new MultitaskConfigurationException(
                    $"Method '{method}' has no option '{key}'. Its options are: {(known.Length == 0 ? "none" : known)}.");
            }

            try
            {
                property.SetValue(target, Convert(value, property.PropertyType));
            }
            catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException
                                           or ArgumentException or TargetInvocationException)
            {
                Exception cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
                throw new MultitaskConfigurationException(
                    $"Option '{key}' of method '{method}' expects {Describe(property.PropertyType)}, " +
                    $"but got '{FormatValue(value)}': {cause.Message}",
                    cause);
            }
        }
    }

    /// <summary>Converts a property name to the snake_case form a job file uses.</summary>
    /// <param name="name">A PascalCase property name.</param>
    /// <returns>The snake_case name.</returns>
    public static string ToSnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && !char.IsUpper(name[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    private static string Normalize(string name) =>
        name.Replace("_", string.Empty, StringComparison.Ordinal)
            .Replace("-", string.Empty, StringComparison.Ordinal)
            .ToUpperInvariant();

    private static object? Convert(object? value, Type type)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        if (value is null)
        {
            return type.IsValueType && Nullable.GetUnderlyingType(type) is null
                ? throw new FormatException("A value is required.")
                : null;
        }

        if (target.IsEnum)
        {
            string text = Normalize(System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
            foreach (string name in Enum.GetNames(target))
            {
                if (Normalize(name) == text)
                {
                    return Enum.Parse(target, name);
                }
            }

            throw new FormatException($"Allowed values are {string.Join(", ", Enum.GetNames(target).Select(ToSnakeCase))}.");
        }

        if (target == typeof(double[]))
        {
            IEnumerable items = value is string s
                ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : value as IEnumerable ?? throw new FormatException("A list of numbers is required.");
            return items.Cast<object?>().Select(item => (double)Convert(item, typeof(double))!).ToArray();
        }

        if (target == typeof(bool) && value is string boolText)
        {
            return bool.Parse(boolText);
        }

        if (target == typeof(string))
        {
            return System.Convert.ToString(value, CultureInfo.InvariantCulture);
        }

        return System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
    }

    private static string Describe(Type type)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        return target == typeof(double) || target == typeof(float) ? "a number"
            : target == typeof(int) || target == typeof(long) ? "an integer"
            : target == typeof(bool) ? "true or false"
            : target == typeof(double[]) ? "a list of numbers"
            : target.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(target).Select(ToSnakeCase))}"
            : "a string";
    }

    private static string FormatValue(object? value) => value switch
    {
        null => "null",
        string s => s,
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>()
            .Select(x => System.Convert.ToString(x, CultureInfo.InvariantCulture))) + "]",
        _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
