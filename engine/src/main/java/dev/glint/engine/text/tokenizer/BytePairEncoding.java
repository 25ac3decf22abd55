package dev.glint.engine.text.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model: a word (one pre-token, already byte-level mapped) starts as single characters and the adjacent pair
 * with the best (lowest) merge rank is joined, left to right, until no pair has a rank. Results are cached per word.
 */
final class BytePairEncoding {
    private static final int CACHE_LIMIT = 1 << 16;

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> ranks;
    private final boolean ignoreMerges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BytePairEncoding(Map<String, Integer> vocab, Map<String, Integer> ranks, boolean ignoreMerges) {
        this.vocab = vocab;
        this.ranks = ranks;
        this.ignoreMerges = ignoreMerges;
    }

    /** Key of the merge of {@code left} and {@code right} in {@link #ranks}. */
    static String pair(String left, String right) {
        return left + ' ' + right;
    }

    void encode(String word, List<Integer> out) {
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = merge(word);
            if (cache.size() < CACHE_LIMIT) {
                cache.put(word, ids);
            }
        }
        for (int id : ids) {
            out.add(id);
        }
    }

    private int[] merge(String word) {
        Integer whole = vocab.get(word);
        if (ignoreMerges && whole != null) {
            return new int[]{whole};
        }
        List<String> symbols = new ArrayList<>();
        word.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            int best = -1;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(pair(symbols.get(i), symbols.get(i + 1)));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            String left = symbols.get(best);
            String right = symbols.get(best + 1);
            for (int i = best; i + 1 < symbols.size(); i++) {
                if (symbols.get(i).equals(left) && symbols.get(i + 1).equals(right)) {
                    symbols.set(i, left + right);
                    symbols.remove(i + 1);
                }
            }
        }
        int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = vocab.get(symbols.get(i));
            if (id == null) {
                throw new IllegalStateException("BPE produced '" + symbols.get(i) + "', which is not in the vocabulary");
            }
            ids[i] = id;
        }
        return ids;
    }
}
