package org.rltf.policy;

import java.nio.file.Path;

/**
 * A written checkpoint directory.
 *
 * @param sha256    hex SHA-256 of its manifest.json, which lists the SHA-256 of every other file:
 *                  the digest the directory is identified by (see {@link Checkpoints#sha256(Path)})
 * @param sizeBytes total size of its files
 */
public record CheckpointInfo(Path dir, String sha256, long sizeBytes) {}
