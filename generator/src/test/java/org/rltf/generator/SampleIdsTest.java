package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SampleIdsTest {

    @Test
    void roundTripsProblemIdsThatContainSlashes() {
        String id = SampleIds.format("humaneval/HumanEval/12", 7, "gen-a", 3, SampleIds.GREEDY);
        assertThat(id).isEqualTo("humaneval/HumanEval/12@v7/gen-a/3/g");
        assertThat(SampleIds.parse(id)).contains(new SampleIds("humaneval/HumanEval/12", 7, "gen-a", 3, "g"));
        assertThat(SampleIds.parse("mbpp/601@v0/g1/0/19")).contains(new SampleIds("mbpp/601", 0, "g1", 0, "19"));
    }

    @Test
    void otherStringsDoNotParse() {
        assertThat(SampleIds.parse("just-an-id")).isEmpty();
        assertThat(SampleIds.parse("mbpp/1@vX/g/0/1")).isEmpty();
        assertThat(SampleIds.parse("mbpp/1@v1/g/x/1")).isEmpty();
        assertThat(SampleIds.parse("mbpp/1/g/0/1")).isEmpty();
        assertThat(SampleIds.parse(null)).isEmpty();
    }
}
