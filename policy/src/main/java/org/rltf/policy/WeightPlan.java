package org.rltf.policy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How another tool's tensors become a model's canonical parameters: for each canonical name, the
 * foreign tensor it is read from and whether it is transposed (GPT-2's Conv1D layout), plus a foreign
 * output head that must equal the embedding when the model ties them. {@link #over} reads through the
 * plan lazily, one tensor at a time, so an import never holds the whole model.
 *
 * @param tensors       canonical name to its foreign source, in canonical order
 * @param tiedHead      a foreign lm_head.weight the model does not keep, or null
 * @param tiedTo        the foreign embedding it must equal (when tiedHead is set)
 */
record WeightPlan(LinkedHashMap<String, Ref> tensors, String tiedHead, String tiedTo) {
    /** A foreign tensor, transposed or not. */
    record Ref(String foreign, boolean transpose) {}

    /** Refuses an output head that is not the embedding when the model ties them. */
    void checkTied(TensorSource foreign, String message) {
        if (tiedHead == null) return;
        boolean same = foreign.dtype(tiedHead).equals(foreign.dtype(tiedTo))
                ? foreign.raw(tiedHead).equals(foreign.raw(tiedTo))
                : Arrays.equals(foreign.floats(tiedHead), foreign.floats(tiedTo));
        if (!same) throw new IllegalArgumentException(message);
    }

    /** The canonical tensors, read from {@code foreign} when asked for; transposed ones come as float32. */
    TensorSource over(TensorSource foreign) {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, ref) -> {
            long[] s = foreign.shapes().get(ref.foreign());
            shapes.put(name, ref.transpose() ? new long[] {s[1], s[0]} : s);
        });
        return new TensorSource() {
            @Override
            public LinkedHashMap<String, long[]> shapes() { return shapes; }

            @Override
            public String dtype(String name) {
                Ref r = tensors.get(name);
                return r.transpose() ? Safetensors.F32 : foreign.dtype(r.foreign());
            }

            @Override
            public ByteBuffer raw(String name) {
                Ref r = tensors.get(name);
                return r.transpose() ? Safetensors.encode(floats(name), Safetensors.F32) : foreign.raw(r.foreign());
            }

            @Override
            public float[] floats(String name) {
                Ref r = tensors.get(name);
                float[] f = foreign.floats(r.foreign());
                if (!r.transpose()) return f;
                long[] s = foreign.shapes().get(r.foreign());
                return Gpt2Weights.transpose(new Safetensors.Tensor(s, f)).data();
            }
        };
    }

    /** Every canonical tensor in Java memory (small models). */
    LinkedHashMap<String, Safetensors.Tensor> materialize(TensorSource foreign) {
        TensorSource s = over(foreign);
        LinkedHashMap<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : s.shapes().entrySet()) out.put(e.getKey(), new Safetensors.Tensor(e.getValue(), s.floats(e.getKey())));
        return out;
    }
}
