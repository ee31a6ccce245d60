package org.rltf.lab.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.rltf.events.Problem;
import org.rltf.kernel.Acks;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.Outages;
import org.rltf.kernel.TopicAdmin;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one import path of every problem set (datasets and the built-in curriculum alike): creates a run's topics
 * and publishes its problems to the compacted problems topic, keyed by id, at one event time. Every send is
 * acknowledged before this returns; a failed send fails the import, naming the problem.
 */
public final class ProblemImport {
    private static final Logger log = LoggerFactory.getLogger(ProblemImport.class);

    private ProblemImport() {
    }

    /** Creates {@code run}'s topics (those that are missing) with the layout keys of {@code common}. */
    public static void createTopics(Map<String, ?> common, String run) {
        try (TopicAdmin admin = TopicAdmin.create(common)) {
            admin.createRun(run);
        }
    }

    /**
     * Publishes {@code problems} (their run set to {@code run}) to the run's problems topic at {@code timestamp}. A
     * publish that fails on a transient error (the broker busy, or its idempotent producer refused after a retry
     * the broker did not expect) is done again in full with a new producer after a backoff ({@link Outages#retry}),
     * three attempts in all: the topic is compacted and keyed by problem id, and every reader keeps the newest record
     * of an id, so a problem published twice is still one problem.
     */
    public static List<Problem> publish(Map<String, ?> common, String run, List<Problem> problems, long timestamp) {
        AtomicInteger failures = new AtomicInteger();
        return Outages.retry(log, "publish of the problems of run " + run,
                () -> publishOnce(common, run, problems, timestamp),
                e -> Outages.isTransient(e) || e.getCause() instanceof OutOfOrderSequenceException,
                () -> failures.incrementAndGet() >= 3);
    }

    private static List<Problem> publishOnce(Map<String, ?> common, String run, List<Problem> problems, long timestamp) {
        String topic = Topics.forRun(run).problems();
        List<Problem> published = new ArrayList<>(problems.size());
        List<Future<RecordMetadata>> acks = new ArrayList<>(problems.size());
        // One request in flight: on topics created a moment ago the broker can refuse the first batch of a partition
        // (NOT_LEADER_OR_FOLLOWER: the controller named it leader, its replica manager has not caught up) while it
        // appends the later ones in flight; the retried first batch is then out of sequence and the whole publish
        // waits out delivery.timeout.ms (2 minutes, seen once in five lab runs) before it is done again. A few
        // thousand problems are a few dozen requests either way.
        try (KafkaProducer<String, Problem> producer = new KafkaProducer<>(
                ClientConfigs.producer(common, "rltf-import-" + run, Map.of(ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1)),
                new StringSerializer(), new AvroSerializer<>(ClientConfigs.serde(common), false))) {
            for (Problem p : problems) {
                Problem withRun = Problem.newBuilder(p).setRun(run).build();
                acks.add(producer.send(new ProducerRecord<>(topic, null, timestamp, p.getId(), withRun)));
                published.add(withRun);
            }
            Acks.awaitAll(acks, i -> "problem " + problems.get(i).getId(), topic);
        }
        return published;
    }
}
