package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Tensor;

/**
 * Act-order group indices ({@code g_idx}: the group of each input column) turned into the column order that
 * {@link dev.glint.kernels.Int4Matrix} stores: columns sorted by group, ties in column order.
 */
final class GroupIndex {
    private GroupIndex() {
    }

    /** Null when every column {@code c} is in group {@code c / groupSize}, as without act-order. */
    static int[] columnOrder(Module m, Tensor gIdx, int groupSize) {
        Tensors.requireDType(gIdx, "a group index", DType.I32);
        int cols = m.cols();
        int groups = cols / groupSize;
        int[] groupOf = new int[cols];
        int[] count = new int[groups];
        boolean sequential = true;
        for (int c = 0; c < cols; c++) {
            int g = Tensors.intAt(gIdx, c);
            if (g < 0 || g >= groups) {
                throw m.problem(gIdx.name() + "[" + c + "] is group " + g + "; " + cols + " columns in groups of "
                        + groupSize + " have groups 0.." + (groups - 1));
            }
            groupOf[c] = g;
            count[g]++;
            sequential &= g == c / groupSize;
        }
        for (int g = 0; g < groups; g++) {
            if (count[g] != groupSize) {
                throw m.problem(gIdx.name() + " puts " + count[g] + " columns in group " + g + "; every group must have "
                        + groupSize);
            }
        }
        if (sequential) {
            return null;
        }
        int[] next = new int[groups];
        for (int g = 0; g < groups; g++) {
            next[g] = g * groupSize;
        }
        int[] order = new int[cols];
        for (int c = 0; c < cols; c++) {
            order[next[groupOf[c]]++] = c;
        }
        return order;
    }
}
