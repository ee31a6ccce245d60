package org.rltf.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** File reading shared by the loaders; every failure names the file (and line) it came from. */
final class DatasetFiles {

    static final ObjectMapper JSON = new ObjectMapper();

    private DatasetFiles() {
    }

    static void requireFile(Path path, String what) {
        if (!Files.isRegularFile(path)) {
            throw new DatasetException(what + " not found: " + path.toAbsolutePath().normalize()
                    + " (set -D" + Datasets.DATA_ROOT_PROPERTY + " or " + Datasets.DATA_ROOT_ENV
                    + " to the benchmark data folder)");
        }
    }

    /** One JSON object per non-blank line; {@code .gz} files are decompressed. */
    static List<JsonNode> readJsonLines(Path path, String what) {
        requireFile(path, what);
        List<JsonNode> rows = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(path);
             InputStream in = path.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    rows.add(JSON.readTree(line));
                } catch (JsonProcessingException e) {
                    throw new DatasetException(path + ":" + number + ": not a JSON object: " + e.getOriginalMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return rows;
    }

    static JsonNode readJson(Path path, String what) {
        requireFile(path, what);
        try {
            return JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw new DatasetException("cannot parse " + path + ": " + e.getMessage(), e);
        }
    }

    static String readText(Path path, String what) {
        requireFile(path, what);
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** A required text field of a JSON row. */
    static String text(JsonNode row, String field, Path source) {
        JsonNode value = row.get(field);
        if (value == null || value.isNull()) {
            throw new DatasetException(source + ": record " + abbreviate(row) + " has no field '" + field + "'");
        }
        return value.isTextual() ? value.asText() : value.toString();
    }

    static List<String> textList(JsonNode row, String field, Path source) {
        JsonNode value = row.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new DatasetException(source + ": field '" + field + "' of " + abbreviate(row) + " is not an array");
        }
        List<String> out = new ArrayList<>(value.size());
        value.forEach(v -> out.add(v.isTextual() ? v.asText() : v.toString()));
        return out;
    }

    /** Windows line ends in the sources (MBPP's code has them) become plain newlines. */
    static String lf(String s) {
        return s.replace("\r\n", "\n");
    }

    private static String abbreviate(JsonNode row) {
        String s = row.toString();
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
