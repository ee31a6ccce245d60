package org.rltf.lab;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rltf model <import|info|export>}: bring a Hugging Face model in, look at a checkpoint, take one back out. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Hugging Face models in and out: import a gpt2/llama/qwen2 directory as a checkpoint, describe a checkpoint, "
                + "export one that transformers' from_pretrained loads.",
        subcommands = {
                ModelImportCommand.class,
                ModelInfoCommand.class,
                ModelExportCommand.class,
        })
public final class ModelCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }
}
