package dev.glint.engine.grammar;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * A model's tokens as a byte trie, for computing which tokens a grammar allows next: tokens that share a prefix are
 * walked together. The caller leaves out markup tokens (never text the grammar reads); the end ids are allowed
 * apart, once the output is a complete sentence.
 *
 * @param size   the number of token ids (the logits' length)
 * @param root   the trie's root (the empty prefix)
 * @param endIds the ids that end generation
 * @param tokens each id's bytes (empty for those left out)
 */
public record TokenVocabulary(int size, Node root, Set<Integer> endIds, byte[][] tokens) {

    /** A token's bytes, as the grammar reads them. */
    public byte[] bytes(int id) {
        return tokens[id];
    }

    /** A trie node: the tokens whose bytes end here and the children, by byte. */
    public record Node(int[] tokens, byte[] childBytes, Node[] children) {
    }

    /**
     * @param size    token ids 0 to size - 1
     * @param bytes   a token's bytes, or null for one to leave out (markup or unknown)
     * @param endIds  ids that end generation
     */
    public static TokenVocabulary of(int size, IntFunction<byte[]> bytes, Set<Integer> endIds) {
        Building root = new Building();
        byte[][] tokens = new byte[size][];
        for (int id = 0; id < size; id++) {
            byte[] token = endIds.contains(id) ? null : bytes.apply(id);
            tokens[id] = token == null ? new byte[0] : token;
            if (token == null || token.length == 0) {
                continue;
            }
            Building node = root;
            for (byte b : token) {
                node = node.children.computeIfAbsent(b & 0xFF, k -> new Building());
            }
            node.tokens.add(id);
        }
        return new TokenVocabulary(size, root.build(), Set.copyOf(endIds), tokens);
    }

    private static final class Building {
        final List<Integer> tokens = new ArrayList<>();
        final Map<Integer, Building> children = new TreeMap<>();

        Node build() {
            byte[] childBytes = new byte[children.size()];
            Node[] nodes = new Node[children.size()];
            int i = 0;
            for (var child : children.entrySet()) {
                childBytes[i] = (byte) (int) child.getKey();
                nodes[i++] = child.getValue().build();
            }
            return new Node(tokens.stream().mapToInt(Integer::intValue).toArray(), childBytes, nodes);
        }
    }
}
