package org.rltf.evaluator;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.rltf.events.Evaluation;
import org.rltf.events.Outcome;
import org.rltf.events.PassAtK;

/**
 * The result of evaluating one checkpoint on a set of problems: each program's verdict, and the figures derived from
 * them (pass@k overall and per difficulty, greedy pass@1, the shares of outcomes and error classes).
 */
public record EvalReport(String dataset, String split, EvalSettings settings, List<ProgramResult> programs,
                         double seconds) {
    /** Difficulty label of the figures over every problem. */
    public static final String ALL = "all";

    /** One graded program: the {@code index}-th sample of a problem, or its greedy program ({@code index} -1). */
    public record ProgramResult(String problemId, String difficulty, int index, String completion, Outcome outcome,
                                int passed, int total, String errorClass, Integer errorLine, Map<String, String> tags) {
        public ProgramResult {
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }

        public boolean greedy() { return index < 0; }

        public boolean pass() { return outcome == Outcome.PASS; }
    }

    public EvalReport {
        programs = List.copyOf(programs);
    }

    /** Problems evaluated. */
    public int problems() {
        return (int) programs.stream().map(ProgramResult::problemId).distinct().count();
    }

    /** pass@k by difficulty ({@link #ALL} first, then each difficulty in order) and k: the mean over problems. */
    public Map<String, Map<Integer, Double>> passAtK() {
        Map<String, List<int[]>> counts = perProblemCounts();
        Map<String, Map<Integer, Double>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<int[]>> e : counts.entrySet()) {
            Map<Integer, Double> byK = new TreeMap<>();
            for (int k : settings.ks()) {
                double sum = 0;
                for (int[] nc : e.getValue()) sum += org.rltf.evaluator.PassAtK.estimate(nc[0], nc[1], k);
                byK.put(k, e.getValue().isEmpty() ? 0.0 : sum / e.getValue().size());
            }
            out.put(e.getKey(), byK);
        }
        return out;
    }

    /** pass@k per value of problem tag {@code tag} (e.g. the curriculum's region), in value order. */
    public Map<String, Double> passAtKByTag(String tag, int k) {
        Map<String, int[]> byProblem = new LinkedHashMap<>();
        Map<String, String> value = new LinkedHashMap<>();
        for (ProgramResult p : programs) {
            if (p.greedy() || !p.tags().containsKey(tag)) continue;
            int[] nc = byProblem.computeIfAbsent(p.problemId(), id -> new int[2]);
            nc[0]++;
            if (p.pass()) nc[1]++;
            value.put(p.problemId(), p.tags().get(tag));
        }
        Map<String, double[]> sums = new TreeMap<>();
        byProblem.forEach((id, nc) -> {
            double[] acc = sums.computeIfAbsent(value.get(id), v -> new double[2]);
            acc[0] += org.rltf.evaluator.PassAtK.estimate(nc[0], nc[1], Math.min(k, nc[0]));
            acc[1]++;
        });
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((v, acc) -> out.put(v, acc[0] / acc[1]));
        return out;
    }

    /** pass@k over every problem. */
    public double passAtK(int k) {
        return passAtK().get(ALL).get(k);
    }

    /** The share of problems whose greedy program passes. */
    public double greedyPassAt1() {
        long greedy = programs.stream().filter(ProgramResult::greedy).count();
        long passed = programs.stream().filter(p -> p.greedy() && p.pass()).count();
        return greedy == 0 ? 0.0 : (double) passed / greedy;
    }

    /** Shares of each outcome among the sampled (not greedy) programs. */
    public Map<Outcome, Double> outcomeShares() {
        Map<Outcome, Double> shares = new EnumMap<>(Outcome.class);
        List<ProgramResult> sampled = sampled();
        for (Outcome o : Outcome.values()) {
            long n = sampled.stream().filter(p -> p.outcome() == o).count();
            if (n > 0) shares.put(o, (double) n / sampled.size());
        }
        return shares;
    }

    /** Shares of each error class among the sampled programs (failures and passes have none and are left out). */
    public Map<String, Double> errorClassShares() {
        Map<String, Integer> counts = new TreeMap<>();
        List<ProgramResult> sampled = sampled();
        for (ProgramResult p : sampled)
            if (p.errorClass() != null && !p.errorClass().isEmpty()) counts.merge(p.errorClass(), 1, Integer::sum);
        Map<String, Double> shares = new LinkedHashMap<>();
        counts.forEach((k, v) -> shares.put(k, (double) v / sampled.size()));
        return shares;
    }

    private List<ProgramResult> sampled() {
        return programs.stream().filter(p -> !p.greedy()).toList();
    }

    /** Per difficulty ({@link #ALL} included), per problem: {n, c}. */
    private Map<String, List<int[]>> perProblemCounts() {
        Map<String, int[]> byProblem = new LinkedHashMap<>();
        Map<String, String> difficulty = new LinkedHashMap<>();
        for (ProgramResult p : programs) {
            if (p.greedy()) continue;
            int[] nc = byProblem.computeIfAbsent(p.problemId(), id -> new int[2]);
            nc[0]++;
            if (p.pass()) nc[1]++;
            difficulty.put(p.problemId(), p.difficulty() == null ? "" : p.difficulty());
        }
        Map<String, List<int[]>> out = new LinkedHashMap<>();
        out.put(ALL, new ArrayList<>(byProblem.values()));
        for (String d : new TreeSet<>(difficulty.values())) {
            if (d.isEmpty()) continue;
            List<int[]> of = new ArrayList<>();
            byProblem.forEach((id, nc) -> {
                if (d.equals(difficulty.get(id))) of.add(nc);
            });
            out.put(d, of);
        }
        return out;
    }

    /**
     * Writes every graded program as a JSON line: problem, difficulty, sample index (-1: the greedy program), outcome,
     * tests passed of total, error class and line, the problem's tags (where it has any), completion.
     * {@link #readJsonLines} reads it back.
     */
    public void writeJsonLines(java.nio.file.Path file) throws java.io.IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        if (file.getParent() != null) java.nio.file.Files.createDirectories(file.getParent());
        try (java.io.BufferedWriter w = java.nio.file.Files.newBufferedWriter(file, java.nio.charset.StandardCharsets.UTF_8)) {
            for (ProgramResult p : programs) {
                com.fasterxml.jackson.databind.node.ObjectNode row = json.createObjectNode();
                row.put("problem_id", p.problemId());
                row.put("difficulty", p.difficulty());
                row.put("index", p.index());
                row.put("outcome", p.outcome().name());
                row.put("passed", p.passed());
                row.put("total", p.total());
                row.put("error_class", p.errorClass());
                if (p.errorLine() != null) row.put("error_line", p.errorLine());
                if (!p.tags().isEmpty()) {
                    com.fasterxml.jackson.databind.node.ObjectNode tags = row.putObject("tags");
                    new TreeMap<>(p.tags()).forEach(tags::put);
                }
                row.put("completion", p.completion());
                w.write(json.writeValueAsString(row));
                w.newLine();
            }
        }
    }

    /**
     * The report whose programs {@link #writeJsonLines} wrote to {@code file}; what the lines do not hold (the
     * dataset, split, settings and the evaluation's duration) is given.
     */
    public static EvalReport readJsonLines(java.nio.file.Path file, String dataset, String split, EvalSettings settings,
                                           double seconds) throws java.io.IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<ProgramResult> programs = new ArrayList<>();
        int number = 0;
        for (String line : java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
            number++;
            if (line.isBlank()) continue;
            try {
                com.fasterxml.jackson.databind.JsonNode row = json.readTree(line);
                Map<String, String> tags = new LinkedHashMap<>();
                row.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
                programs.add(new ProgramResult(row.get("problem_id").asText(), row.get("difficulty").asText(),
                        row.get("index").asInt(), row.get("completion").asText(),
                        Outcome.valueOf(row.get("outcome").asText()), row.get("passed").asInt(),
                        row.get("total").asInt(), row.hasNonNull("error_class") ? row.get("error_class").asText() : null,
                        row.has("error_line") ? row.get("error_line").asInt() : null, tags));
            } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new java.io.IOException(file + " line " + number + " is not an evaluated program: " + e, e);
            }
        }
        return new EvalReport(dataset, split, settings, programs, seconds);
    }

    /** The Evaluation event of this report for checkpoint {@code version} (at learner step {@code step}) of a run. */
    public Evaluation toEvaluation(String run, long version, long step) {
        List<PassAtK> results = new ArrayList<>();
        Map<String, List<int[]>> counts = perProblemCounts();
        passAtK().forEach((d, byK) -> byK.forEach((k, v) -> results.add(PassAtK.newBuilder()
                .setK(k).setDifficulty(d).setProblems(counts.get(d).size()).setValue(v).build())));
        Map<String, Double> outcomes = new LinkedHashMap<>();
        outcomeShares().forEach((o, v) -> outcomes.put(o.name(), v));
        return Evaluation.newBuilder()
                .setRun(run)
                .setPolicyVersion(version)
                .setStep(step)
                .setDataset(dataset)
                .setSplit(split)
                .setN(settings.n())
                .setTemperature(settings.temperature())
                .setTopP(settings.topP())
                .setMaxNewTokens(settings.maxNewTokens())
                .setSeed(settings.seed())
                .setResults(results)
                .setGreedyPassAt1(greedyPassAt1())
                .setOutcomeShares(outcomes)
                .setErrorClassShares(errorClassShares())
                .setSeconds(seconds)
                .build();
    }
}
