package io.kubeferry.host;

/**
 * @param bytesSent bytes that crossed the wire (0 when skipped; less than the size after a resume)
 * @param skipped   the host already had a file with this sha256 at that path
 */
public record UploadResult(String remotePath, long size, long bytesSent, boolean skipped, String sha256) {
}
