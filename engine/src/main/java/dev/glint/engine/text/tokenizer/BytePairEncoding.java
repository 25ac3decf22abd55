package dev.glint.engine.text.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model, as Hugging Face runs it: a word (one pre-token, in byte-level characters) starts as one token per
 * character, and the adjacent pair with the lowest merge rank (the leftmost among equals) is joined until no pair has a
 * rule. A priority queue keeps that linear-logarithmic in the word's length, so long runs of spaces or digits stay
 * cheap. Words are cached, since text repeats them.
 */
final class BytePairEncoding {
    private static final int CACHE_CAPACITY = 100_000;
    /** Longer words (long runs of whitespace, of CJK) rarely repeat; caching them would only hold memory. */
    private static final int LONGEST_CACHED_WORD = 256;
    private static final int TABLED_CHARS = 0x800;

    private final Map<String, Integer> vocab;
    private final int[] idOfChar = new int[TABLED_CHARS];
    private final MergeTable merges;
    private final boolean ignoreMerges;
    private final int unknownId;
    private final boolean fuseUnknown;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * {@code unknownId} (or -1 for none) stands for characters without a token, one per character or one per run when
     * {@code fuseUnknown}; without it they are dropped, as in Hugging Face.
     */
    BytePairEncoding(Map<String, Integer> vocab, MergeTable merges, boolean ignoreMerges, int unknownId, boolean fuseUnknown) {
        this.vocab = vocab;
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
        this.unknownId = unknownId;
        this.fuseUnknown = fuseUnknown;
        Arrays.fill(idOfChar, -1);
        vocab.forEach((token, id) -> {
            if (token.length() == 1 && token.charAt(0) < TABLED_CHARS) {
                idOfChar[token.charAt(0)] = id;
            }
        });
    }

    void encode(String word, IdList out) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = merge(characters(word));
            if (word.length() <= LONGEST_CACHED_WORD && cache.size() < CACHE_CAPACITY) {
                cache.put(word, ids);
            }
        }
        out.addAll(ids);
    }

    private int[] characters(String word) {
        int[] ids = new int[word.length()];
        int count = 0;
        boolean previousUnknown = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            i += Character.charCount(cp);
            int id = cp < TABLED_CHARS ? idOfChar[cp] : vocab.getOrDefault(Character.toString(cp), -1);
            if (id >= 0) {
                ids[count++] = id;
                previousUnknown = false;
            } else if (unknownId >= 0) {
                if (!(fuseUnknown && previousUnknown)) {
                    ids[count++] = unknownId;
                }
                previousUnknown = true;
            }
        }
        return count == ids.length ? ids : Arrays.copyOf(ids, count);
    }

    /** Joins pairs in place: a joined pair's right token becomes -1; queue entries are rank << 32 | left position. */
    private int[] merge(int[] ids) {
        int n = ids.length;
        if (n < 2) {
            return ids;
        }
        int[] previous = new int[n];
        int[] next = new int[n];
        LongHeap queue = new LongHeap();
        for (int i = 0; i < n; i++) {
            previous[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n) {
                enqueue(queue, i, ids[i], ids[i + 1]);
            }
        }
        int left = n;
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int pos = (int) top;
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) {
                continue;
            }
            long rule = merges.get(ids[pos], ids[right]);
            if (rule == MergeTable.NONE || MergeTable.rank(rule) != (int) (top >>> 32)) {
                continue;
            }
            ids[pos] = MergeTable.mergedId(rule);
            ids[right] = -1;
            left--;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                previous[next[pos]] = pos;
                enqueue(queue, pos, ids[pos], ids[next[pos]]);
            }
            if (previous[pos] >= 0) {
                enqueue(queue, previous[pos], ids[previous[pos]], ids[pos]);
            }
        }
        int[] merged = new int[left];
        for (int i = 0, j = 0; i < n; i++) {
            if (ids[i] >= 0) {
                merged[j++] = ids[i];
            }
        }
        return merged;
    }

    private void enqueue(LongHeap queue, int pos, int leftId, int rightId) {
        long rule = merges.get(leftId, rightId);
        if (rule != MergeTable.NONE) {
            queue.push((long) MergeTable.rank(rule) << 32 | pos);
        }
    }
}
