package io.kubeferry.builder.pack;

/** Implemented by output streams that compress: tells them whether the bytes coming next are worth compressing. */
public interface CompressionHint {
    void compressible(boolean worthCompressing);
}
