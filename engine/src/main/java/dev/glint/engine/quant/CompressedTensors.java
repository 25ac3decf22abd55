package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.JsonFields;
import dev.glint.kernels.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * compressed-tensors (llm-compressor): {@code config_groups} say how the modules they target store their weights —
 * {@code float-quantized} FP8 with per-channel or block {@code weight_scale}, or {@code pack-quantized} Int4 with group
 * scales — and {@code ignore} lists modules left unquantized, by exact name or {@code "re:"} regular expression.
 */
record CompressedTensors(List<Group> groups, List<String> ignore, String path) implements QuantizationScheme {

    /** How one config group stores weights. */
    sealed interface Weights permits Fp8Channel, Fp8Block, Int4Group {
    }

    record Fp8Channel() implements Weights {
    }

    record Fp8Block(int rows, int cols) implements Weights {
    }

    record Int4Group(int groupSize, boolean symmetric, boolean actOrder) implements Weights {
    }

    record Group(List<String> targets, Weights weights) {
    }

    static CompressedTensors parse(JsonFields fields) {
        String format = fields.string("format", null);
        List<Group> groups = new ArrayList<>();
        JsonFields configGroups = fields.object("config_groups");
        for (String name : configGroups.names()) {
            JsonFields group = configGroups.object(name);
            if (group.has("weights")) {
                groups.add(new Group(group.strings("targets", List.of()),
                        weights(group.object("weights"), group.string("format", format))));
            }
        }
        return new CompressedTensors(List.copyOf(groups), fields.strings("ignore", List.of()), fields.path());
    }

    private static Weights weights(JsonFields w, String format) {
        String type = w.string("type", "int");
        int bits = w.integer("num_bits", 8);
        String strategy = w.string("strategy", "tensor");
        if ("float-quantized".equals(format) && type.equals("float") && bits == 8) {
            return switch (strategy) {
                case "channel" -> new Fp8Channel();
                case "block" -> {
                    int[] block = QuantizationScheme.blockShape(w, "block_structure");
                    if (block == null) {
                        throw w.problem("block_structure", "is missing for strategy \"block\"");
                    }
                    yield new Fp8Block(block[0], block[1]);
                }
                default -> throw w.problem("strategy", "\"" + strategy
                        + "\" is not supported for FP8 weights; Glint reads channel and block");
            };
        }
        if ("pack-quantized".equals(format) && type.equals("int") && bits == 4) {
            if (!strategy.equals("group")) {
                throw w.problem("strategy", "\"" + strategy
                        + "\" is not supported for packed 4-bit weights; Glint reads group");
            }
            int groupSize = w.integer("group_size", 0);
            if (groupSize < 1) {
                throw w.problem("group_size", "must be a positive integer for strategy \"group\"");
            }
            return new Int4Group(groupSize, w.bool("symmetric", true), "group".equals(w.string("actorder", null)));
        }
        throw w.problem("num_bits", bits + " (" + type + ", format " + format + ") is not supported; Glint reads"
                + " float-quantized FP8 and pack-quantized 4-bit int weights");
    }

    /** compressed-tensors matches a target by exact name or, with {@code "re:"}, by {@code re.match}. */
    private static boolean matchesName(String target, String module) {
        return target.startsWith("re:") ? Pattern.compile(target.substring(3)).matcher(module).lookingAt() : target.equals(module);
    }

    /** A target like {@code "Linear"} names a module class, which tensor names cannot tell: it matches any module. */
    private static boolean isClassName(String target) {
        return !target.isEmpty() && !target.startsWith("re:") && !target.contains(".") && Character.isUpperCase(target.charAt(0));
    }

    /** The group targeting {@code module} by name, else by class, as compressed-tensors prefers. */
    private Group groupFor(String module) {
        for (Group group : groups) {
            if (group.targets().stream().anyMatch(t -> matchesName(t, module))) {
                return group;
            }
        }
        for (Group group : groups) {
            if (group.targets().stream().anyMatch(CompressedTensors::isClassName)) {
                return group;
            }
        }
        return null;
    }

    @Override
    public String describe() {
        return "compressed-tensors";
    }

    @Override
    public String exclusion(String module) {
        for (String entry : ignore) {
            if (matchesName(entry, module)) {
                return path + ".ignore entry \"" + entry + "\"";
            }
        }
        return null;
    }

    @Override
    public List<String> markers() {
        return List.of("weight_scale", "weight_packed");
    }

    @Override
    public Matrix read(Module module) {
        Group group = groupFor(module.name());
        if (group == null) {
            throw module.problem("it holds quantized tensors but no " + path + ".config_groups entry targets it");
        }
        return switch (group.weights()) {
            case Fp8Channel c -> Fp8Weights.perChannel(module, "weight_scale");
            case Fp8Block b -> Fp8Weights.blocks(module, "weight_scale", b.rows(), b.cols());
            case Int4Group g -> Int4Weights.compressedTensors(module, g.groupSize(), g.symmetric(), g.actOrder());
        };
    }
}
