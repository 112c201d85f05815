package io.raftkv.shardkv.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration flag: a whole number with a unit, {@code 500ms}, {@code 2s} or {@code 1m}; a
 * bare number is seconds, as {@code --timeout} took before it had units. Anything else, or zero, is
 * a usage error.
 */
final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)?");

    @Override
    public Duration convert(String text) {
        Matcher matcher = DURATION.matcher(text.strip());
        if (!matcher.matches()) {
            throw new TypeConversionException(
                    "'%s' is no duration: give a whole number with ms, s or m (500ms, 2s, 1m)"
                            .formatted(text));
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        Duration duration =
                switch (unit) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofSeconds(amount);
                };
        if (duration.isZero()) {
            throw new TypeConversionException("'%s' is no time at all".formatted(text));
        }
        return duration;
    }
}
