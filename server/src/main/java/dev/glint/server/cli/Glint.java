package dev.glint.server.cli;

import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.model.ConfigException;
import dev.glint.engine.text.chat.ChatRequestException;
import dev.glint.engine.text.chat.jinja.TemplateException;
import dev.glint.engine.text.tokenizer.TokenizerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The {@code glint} command line. */
@Command(name = "glint",
        mixinStandardHelpOptions = true,
        // Every subcommand takes --help and --version too: users type "glint serve --help" first.
        scope = CommandLine.ScopeType.INHERIT,
        version = "glint 0.1.0",
        description = "Pure-Java inference for GLM-4.5 / 4.5-Air / 4.6 mixture-of-experts models.",
        subcommands = {
                GenerateCommand.class,
                LogitsCommand.class,
                InfoCommand.class,
                SynthCommand.class,
                ServeCommand.class,
                LoadCommand.class,
                ChatCommand.class,
                TextCommands.Tokenize.class,
                TextCommands.Detokenize.class,
                TextCommands.Render.class,
                BenchCommand.class,
                QuantizeCommand.class,
                QuantBenchCommand.class,
                VerifyCommand.class,
                CommandLine.HelpCommand.class})
public final class Glint {
    private static final List<Class<? extends Exception>> USER_ERRORS = List.of(
            CheckpointException.class, ConfigException.class, TokenizerException.class, ChatRequestException.class,
            TemplateException.class, IllegalArgumentException.class,
            IllegalStateException.class, IOException.class, UncheckedIOException.class);

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run it in-process. */
    public static CommandLine commandLine() {
        return new CommandLine(new Glint())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    // Bad input (a malformed checkpoint, a missing file, a bad value) is the user's to fix: one
                    // clear line, no stack trace. Anything else is a bug and keeps its trace.
                    if (USER_ERRORS.stream().anyMatch(type -> type.isInstance(e))) {
                        cmd.getErr().println("glint " + cmd.getCommandName() + ": " + e.getMessage());
                        return 1;
                    }
                    throw e;
                });
    }
}
