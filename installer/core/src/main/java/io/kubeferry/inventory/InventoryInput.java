package io.kubeferry.inventory;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Location;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the inventory file's text, refusing with a plain message what is not a small UTF-8 text file: a missing
 * file, a directory, a device that never ends ({@code /dev/zero}), UTF-16/32, binary data. Writes nothing.
 */
final class InventoryInput {
    /** Far above any inventory (a thousand hosts take ~100 KiB) and below snakeyaml's own 3 MiB limit. */
    static final int MAX_BYTES = 2 * 1024 * 1024;

    private InventoryInput() {
    }

    static String read(Path file) {
        String display = file.toString();
        Location where = Location.file(display);
        if (Files.isDirectory(file)) {
            throw new BadInputException(where, "is a directory; pass the inventory YAML file with -i (e.g. -i "
                    + file.resolve("inventory.yaml") + ")");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new BadInputException(where, "cannot read the inventory file (no such file); pass an existing inventory file"
                    + " with -i"
                    + " (inventory.example.yaml shows one)");
        } catch (IOException e) {
            throw new BadInputException(where, "cannot read the inventory file (" + reason(e) + ")");
        }
        if (bytes.length > MAX_BYTES) {
            throw new BadInputException(where, "larger than " + MAX_BYTES / (1024 * 1024) + " MiB: not an inventory"
                    + " (is it the right file?)");
        }
        int start = 0;
        if (startsWith(bytes, 0xEF, 0xBB, 0xBF)) {
            start = 3; // a UTF-8 byte order mark, as some editors write
        } else if (startsWith(bytes, 0x00, 0x00, 0xFE, 0xFF) || startsWith(bytes, 0xFF, 0xFE, 0x00, 0x00)) {
            throw notUtf8(where, "UTF-32");
        } else if (startsWith(bytes, 0xFE, 0xFF) || startsWith(bytes, 0xFF, 0xFE) || looksLikeUtf16(bytes)) {
            throw notUtf8(where, "UTF-16");
        }
        for (int i = start; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new BadInputException(at(display, bytes, start, i), "a NUL byte: this is not a text file;"
                        + " pass the inventory YAML file with -i");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(at(display, bytes, start, firstInvalidUtf8(bytes, start)),
                    "not UTF-8 text; save the inventory as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)");
        }
    }

    /** What went wrong reading a file, in words rather than an exception's class name. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file";
        if (e instanceof AccessDeniedException) return "permission denied";
        String m = e.getMessage();
        return m == null || m.isBlank() ? "an I/O error" : m;
    }

    private static BadInputException notUtf8(Location where, String encoding) {
        return new BadInputException(where, "the file is " + encoding + " encoded; save it as UTF-8 (e.g. iconv -f "
                + encoding + " -t UTF-8 " + "FILE > inventory.yaml)");
    }

    /** UTF-16 without a byte order mark: NUL in every other byte of ASCII text. */
    private static boolean looksLikeUtf16(byte[] b) {
        return b.length >= 4 && ((b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0)
                || (b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0));
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xFF) != prefix[i]) return false;
        }
        return true;
    }

    private static int firstInvalidUtf8(byte[] b, int start) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, start, b.length - start);
        var out = java.nio.CharBuffer.allocate(b.length);
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : b.length;
    }

    /** The line and column (in bytes, 1-based) of byte {@code index}. */
    private static Location at(String display, byte[] b, int start, int index) {
        int line = 1;
        int lineStart = start;
        for (int i = start; i < index && i < b.length; i++) {
            if (b[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new Location.InFile(display, line, index - lineStart + 1, null);
    }
}
