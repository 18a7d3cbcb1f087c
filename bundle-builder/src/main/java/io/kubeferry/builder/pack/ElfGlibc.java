package io.kubeferry.builder.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The newest {@code GLIBC_x.y} symbol version an ELF file (or a tree of them) needs, read from the
 * {@code .gnu.version_r} section (what {@code objdump -T} shows as the symbols' versions), so the builder knows
 * which hosts a runtime starts on without binutils. Only 64-bit little-endian ELF (x86-64, aarch64) is read;
 * other files are skipped.
 */
public final class ElfGlibc {
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;

    private ElfGlibc() {
    }

    /** A glibc version such as 2.17, ordered numerically. */
    public record Version(int major, int minor) implements Comparable<Version> {
        public static Version parse(String s) {
            String[] p = s.split("\\.");
            return new Version(Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1]) : 0);
        }

        @Override
        public int compareTo(Version o) {
            return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
        }

        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    /** The newest glibc version any ELF file under {@code dir} needs, if any needs one. */
    public static Optional<Version> required(Path dir) throws IOException {
        Version max = null;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                Optional<Version> v = requiredByFile(p);
                if (v.isPresent() && (max == null || v.get().compareTo(max) > 0)) {
                    max = v.get();
                }
            }
        }
        return Optional.ofNullable(max);
    }

    /** The newest glibc version one file needs; empty when it is not a 64-bit ELF file or needs none. */
    public static Optional<Version> requiredByFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 64) {
                return Optional.empty();
            }
            ByteBuffer header = read(ch, 0, 64);
            if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
                return Optional.empty(); // not ELF, or not ELFCLASS64 little-endian
            }
            long shoff = header.getLong(0x28);
            int shentsize = Short.toUnsignedInt(header.getShort(0x3A));
            int shnum = Short.toUnsignedInt(header.getShort(0x3C));
            if (shoff <= 0 || shentsize < 64 || shoff + (long) shnum * shentsize > size) {
                return Optional.empty();
            }
            ByteBuffer sections = read(ch, shoff, shnum * shentsize);
            Version max = null;
            for (int i = 0; i < shnum; i++) {
                int base = i * shentsize;
                if (sections.getInt(base + 4) != SHT_GNU_VERNEED) {
                    continue;
                }
                long offset = sections.getLong(base + 0x18);
                long length = sections.getLong(base + 0x20);
                int link = sections.getInt(base + 0x28);
                if (link < 0 || link >= shnum || offset + length > size) {
                    continue;
                }
                long strOff = sections.getLong(link * shentsize + 0x18);
                long strLen = sections.getLong(link * shentsize + 0x20);
                if (strOff + strLen > size || strLen > Integer.MAX_VALUE || length > Integer.MAX_VALUE) {
                    continue;
                }
                ByteBuffer need = read(ch, offset, (int) length);
                ByteBuffer strings = read(ch, strOff, (int) strLen);
                // Elf64_Verneed {half version, half cnt, word file, word aux, word next}; Elf64_Vernaux
                // {word hash, half flags, half other, word name, word next}
                int at = 0;
                while (at >= 0 && at + 16 <= need.limit()) {
                    int cnt = Short.toUnsignedInt(need.getShort(at + 2));
                    int aux = at + need.getInt(at + 8);
                    for (int j = 0; j < cnt && aux >= 0 && aux + 16 <= need.limit(); j++) {
                        String name = string(strings, need.getInt(aux + 8));
                        if (name.startsWith("GLIBC_") && name.substring(6).matches("\\d+(\\.\\d+)*")) {
                            Version v = Version.parse(name.substring(6));
                            if (max == null || v.compareTo(max) > 0) {
                                max = v;
                            }
                        }
                        int next = need.getInt(aux + 12);
                        if (next == 0) {
                            break;
                        }
                        aux += next;
                    }
                    int next = need.getInt(at + 12);
                    if (next == 0) {
                        break;
                    }
                    at += next;
                }
            }
            return Optional.ofNullable(max);
        }
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                break;
            }
        }
        return b.flip();
    }

    private static String string(ByteBuffer table, int offset) {
        if (offset < 0 || offset >= table.limit()) {
            return "";
        }
        int end = offset;
        while (end < table.limit() && table.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - offset];
        table.get(offset, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
