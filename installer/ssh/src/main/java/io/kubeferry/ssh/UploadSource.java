package io.kubeferry.ssh;

import io.kubeferry.errors.BadInputException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What an upload sends: a local file (streamed, never loaded whole) or small generated content. */
abstract class UploadSource {
    abstract long size();

    abstract InputStream open() throws IOException;

    abstract String describe();

    static UploadSource of(Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new BadInputException(file.toString(), "file to upload does not exist or is not readable");
        }
        try {
            long size = Files.size(file);
            return new UploadSource() {
                @Override
                long size() {
                    return size;
                }

                @Override
                InputStream open() throws IOException {
                    return Files.newInputStream(file);
                }

                @Override
                String describe() {
                    return file.toString();
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static UploadSource of(byte[] content) {
        byte[] copy = content.clone();
        return new UploadSource() {
            @Override
            long size() {
                return copy.length;
            }

            @Override
            InputStream open() {
                return new ByteArrayInputStream(copy);
            }

            @Override
            String describe() {
                return copy.length + " bytes of generated content";
            }
        };
    }

    /**
     * sha256 of the whole source and of its first {@code prefixLength} bytes, in one read.
     *
     * @return {@code [whole, prefix]}, hex; prefix is null when the source is shorter than prefixLength
     *         or prefixLength is negative
     */
    String[] sha256(long prefixLength, boolean whole) {
        try (InputStream in = open()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            String prefix = prefixLength == 0 ? hex(MessageDigest.getInstance("SHA-256").digest()) : null;
            byte[] buf = new byte[1 << 20];
            long pos = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                if (prefix == null && prefixLength > 0 && pos + n >= prefixLength) {
                    int head = (int) (prefixLength - pos);
                    md.update(buf, 0, head);
                    prefix = hex(((MessageDigest) md.clone()).digest());
                    md.update(buf, head, n - head);
                    if (!whole) {
                        return new String[]{null, prefix};
                    }
                } else {
                    md.update(buf, 0, n);
                }
                pos += n;
            }
            return new String[]{hex(md.digest()), prefix};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + describe(), e);
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
