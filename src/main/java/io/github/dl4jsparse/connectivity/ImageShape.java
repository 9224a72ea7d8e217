package io.github.dl4jsparse.connectivity;

import java.util.Locale;

/**
 * The shape of an image input, for the input-connectivity heat map: height, width and channels, flattened as DL4J
 * flattens {@code InputType.convolutionalFlat} input (channels, then rows, then columns) unless {@code channelsLast}.
 *
 * @param height       rows, {@code >= 1}
 * @param width        columns, {@code >= 1}
 * @param channels     channels, {@code >= 1}
 * @param channelsLast true for NHWC order (channel fastest), false for NCHW
 */
public record ImageShape(long height, long width, long channels, boolean channelsLast) {

    public ImageShape {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("inputShape must have height, width and channels >= 1, got "
                    + height + "x" + width + "x" + channels);
        }
    }

    /** @return an NCHW image shape */
    public static ImageShape of(long height, long width, long channels) {
        return new ImageShape(height, width, channels, false);
    }

    /**
     * Parses {@code HxW} or {@code HxWxC}, e.g. {@code 28x28} (one channel).
     *
     * @throws IllegalArgumentException naming the text for anything else
     */
    public static ImageShape parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().toLowerCase(Locale.ROOT).split("x", -1);
        try {
            if (parts.length == 2 || parts.length == 3) {
                return of(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
                        parts.length == 3 ? Long.parseLong(parts[2]) : 1);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("inputShape must be HxW or HxWxC with positive integers, e.g. 28x28; got '"
                + text + "'");
    }

    /** @return {@code height · width · channels}, the flattened input size */
    public long size() {
        return height * width * channels;
    }

    /** @return the pixel (row · width + column) of flattened input index {@code i} */
    long pixel(long i) {
        return channelsLast ? i / channels : i % (height * width);
    }

    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
