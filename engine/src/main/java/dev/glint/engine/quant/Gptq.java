package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.JsonFields;
import dev.glint.kernels.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * GPTQ (AutoGPTQ / GPTQModel): 4-bit, groups along the input dimension, optionally in act-order. Format v1
 * ({@code checkpoint_format: "gptq"}) stores zero points minus one, v2 stores them as they are. GPTQModel's
 * {@code dynamic} rules, tried in order with the first match deciding, exclude modules ({@code "-:regex"}) or change
 * their settings ({@code "+:regex"} or a bare regex).
 */
record Gptq(Settings defaults, List<Rule> dynamic, boolean quantizedLmHead, boolean storesZeroMinusOne, String path)
        implements QuantizationScheme {

    record Settings(int bits, int groupSize, boolean descAct) {
        Settings with(JsonFields overrides) {
            return new Settings(overrides.integer("bits", bits), overrides.integer("group_size", groupSize),
                    overrides.bool("desc_act", descAct));
        }
    }

    record Rule(String key, Pattern pattern, boolean excludes, Settings settings) {
    }

    static Gptq parse(JsonFields fields) {
        Settings defaults = new Settings(fields.integer("bits", 4), fields.integer("group_size", 128),
                fields.bool("desc_act", false));
        String format = fields.string("checkpoint_format", "gptq");
        if (!format.equals("gptq") && !format.equals("gptq_v2")) {
            throw fields.problem("checkpoint_format", "\"" + format + "\" is not supported; Glint reads gptq and gptq_v2");
        }
        List<Rule> rules = new ArrayList<>();
        JsonFields dynamic = fields.objectOrEmpty("dynamic");
        for (String key : dynamic.names()) {
            boolean excludes = key.startsWith("-:");
            String regex = key.startsWith("-:") || key.startsWith("+:") ? key.substring(2) : key;
            try {
                Settings settings = excludes ? null : defaults.with(dynamic.object(key));
                rules.add(new Rule(key, Pattern.compile(regex), excludes, settings));
            } catch (PatternSyntaxException e) {
                throw dynamic.problem(key, "is not a valid regular expression: " + e.getDescription());
            }
        }
        if (defaults.bits() != 4) {
            throw fields.problem("bits", defaults.bits() + " is not supported; Glint reads 4-bit GPTQ");
        }
        return new Gptq(defaults, List.copyOf(rules), fields.bool("lm_head", false), format.equals("gptq"), fields.path());
    }

    private Rule firstRule(String module) {
        for (Rule rule : dynamic) {
            if (rule.pattern().matcher(module).lookingAt()) {
                return rule;
            }
        }
        return null;
    }

    @Override
    public String describe() {
        return "gptq" + (storesZeroMinusOne ? "" : "_v2") + ", group " + defaults.groupSize();
    }

    @Override
    public String exclusion(String module) {
        if (module.equals("lm_head") && !quantizedLmHead) {
            return path + ".lm_head false";
        }
        Rule rule = firstRule(module);
        return rule != null && rule.excludes() ? path + ".dynamic rule \"" + rule.key() + "\"" : null;
    }

    @Override
    public List<String> markers() {
        return List.of("qweight");
    }

    @Override
    public Matrix read(Module module) {
        Rule rule = firstRule(module.name());
        Settings settings = rule == null ? defaults : rule.settings();
        if (settings.bits() != 4) {
            throw module.problem(settings.bits() + "-bit GPTQ (dynamic rule \"" + rule.key()
                    + "\") is not supported; Glint reads 4-bit GPTQ");
        }
        int groupSize = settings.groupSize() == -1 ? module.cols() : settings.groupSize();
        return Int4Weights.gptq(module, groupSize, storesZeroMinusOne, settings.descAct());
    }
}
