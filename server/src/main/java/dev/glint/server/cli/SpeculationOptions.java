package dev.glint.server.cli;

import dev.glint.engine.speculative.Speculation;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** How decoding guesses tokens ahead, to verify them with the next one in a single step. */
final class SpeculationOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--speculative", paramLabel = "METHOD",
            description = "Tokens guessed ahead and verified together in one step: mtp (the checkpoint's multi-token-"
                    + "prediction layer), ngram (prompt lookup: the answer copies spans of its context, as coding agents' "
                    + "edits do) or none (the default: on a CPU a verify step reads the experts of all its tokens, see "
                    + "the README). Answers do not change.")
    Speculation.Method method;

    @Option(names = "--draft-tokens", paramLabel = "N",
            description = "Guesses per step for ngram (default " + Speculation.DEFAULT_NGRAM_DRAFT_TOKENS + "); mtp makes one.")
    Integer draftTokens;

    /** The speculation asked for, or null for the model's default. */
    Speculation speculation() {
        if (method == null) {
            if (draftTokens != null) {
                throw new ParameterException(command.commandLine(), "--draft-tokens needs --speculative ngram");
            }
            return null;
        }
        try {
            return switch (method) {
                case NONE -> draftTokens == null ? Speculation.NONE : new Speculation(method, draftTokens);
                case MTP -> draftTokens == null ? Speculation.mtp() : new Speculation(method, draftTokens);
                case NGRAM -> Speculation.ngram(draftTokens == null ? Speculation.DEFAULT_NGRAM_DRAFT_TOKENS : draftTokens);
            };
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), "--draft-tokens " + draftTokens + ": " + e.getMessage());
        }
    }
}
