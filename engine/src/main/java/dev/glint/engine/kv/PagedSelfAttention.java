package dev.glint.engine.kv;

import dev.glint.engine.model.Glm4MoeConfig;
import dev.glint.kernels.AttentionState;
import dev.glint.kernels.PagedAttention;
import dev.glint.kernels.PagedKv;
import dev.glint.kernels.WorkerPool;

import java.util.Arrays;

/**
 * {@code o = softmax(q·Kᵀ / √head_dim) · V} of a step's tokens over their sequences' cached keys and values, one job
 * per KV head and token covering all the query heads that share the head. The positions go in ranges of
 * {@link #RANGE} whose online-softmax states merge left to right, whoever computes them: with many jobs (prefill) each
 * thread takes a run of neighbouring tokens and walks the ranges once for all of them, so a range's keys and values
 * are read from memory once per run rather than once per token; with fewer jobs than threads (decode) the ranges
 * themselves are spread. Either way a token's output is the same, whatever else its step held. Only one thread steps
 * the model at a time, so the states are kept from step to step.
 */
public final class PagedSelfAttention {
    /**
     * Positions per piece of one token's attention: a multiple of the kernel's tile and of a block, and small enough
     * that a piece's keys and values stay in a core's cache while a run of tokens goes over them.
     */
    private static final int RANGE = 512;

    private final WorkerPool pool;
    private final int kvHeads;
    private final int groupHeads;
    private final int headDim;
    private final int qDim;
    private final float scale;
    private AttentionState[] states = new AttentionState[0];

    public PagedSelfAttention(Glm4MoeConfig config, WorkerPool pool) {
        this.pool = pool;
        this.kvHeads = config.numKeyValueHeads();
        this.groupHeads = config.numAttentionHeads() / kvHeads;
        this.headDim = config.headDim();
        this.qDim = config.qDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * Attends with token {@code t}'s query heads ({@code q[t · qDim, +qDim)}) over positions {@code [0, positions[t]]}
     * of {@code caches[t]}, whose blocks lie at {@code blockOffsets[t]}, into {@code o} at the same offsets.
     */
    public void attend(int layer, float[] q, KvCache[] caches, long[][] blockOffsets, int[] positions, float[] o) {
        int n = positions.length;
        Job[] jobs = new Job[n * kvHeads];
        for (int job = 0; job < jobs.length; job++) {
            int t = job % n;
            int kvHead = job / n;
            jobs[job] = new Job(caches[t].rows(layer, kvHead, blockOffsets[t]), positions[t] + 1,
                    t * qDim + kvHead * groupHeads * headDim);
        }
        if (jobs.length >= pool.threads()) {
            walkRangesTogether(jobs, q, o);
        } else {
            spreadRanges(jobs, q, o);
        }
    }

    /** Job {@code kvHead · tokens + t}: neighbouring jobs are neighbouring tokens of one head, mostly of one sequence. */
    private record Job(PagedKv rows, int positions, int headOffset) {
        int ranges() {
            return Math.ceilDiv(positions, RANGE);
        }
    }

    private void range(Job job, int index, float[] q, AttentionState into) {
        int start = index * RANGE;
        into.clear();
        PagedAttention.accumulate(job.rows, start, Math.min(start + RANGE, job.positions), q, job.headOffset, scale, into);
    }

    private void walkRangesTogether(Job[] jobs, float[] q, float[] o) {
        AttentionState[] totals = states(jobs.length);
        pool.forRange(jobs.length, 1, (from, to) -> {
            AttentionState piece = new AttentionState(groupHeads, headDim);
            int most = 0;
            for (int job = from; job < to; job++) {
                totals[job].clear();
                most = Math.max(most, jobs[job].ranges());
            }
            for (int r = 0; r < most; r++) {
                for (int job = from; job < to; job++) {
                    if (r < jobs[job].ranges()) {
                        range(jobs[job], r, q, piece);
                        totals[job].merge(piece);
                    }
                }
            }
            for (int job = from; job < to; job++) {
                totals[job].finish(o, jobs[job].headOffset);
            }
        });
    }

    private void spreadRanges(Job[] jobs, float[] q, float[] o) {
        int[] firstRange = new int[jobs.length + 1];
        for (int job = 0; job < jobs.length; job++) {
            firstRange[job + 1] = firstRange[job] + jobs[job].ranges();
        }
        AttentionState[] pieces = states(firstRange[jobs.length]);
        pool.forRange(firstRange[jobs.length], 1, (from, to) -> {
            for (int r = from; r < to; r++) {
                int job = jobOfRange(firstRange, r);
                range(jobs[job], r - firstRange[job], q, pieces[r]);
            }
        });
        AttentionState total = new AttentionState(groupHeads, headDim);
        for (int job = 0; job < jobs.length; job++) {
            total.clear();
            for (int r = firstRange[job]; r < firstRange[job + 1]; r++) {
                total.merge(pieces[r]);
            }
            total.finish(o, jobs[job].headOffset);
        }
    }

    /** The job whose ranges {@code [firstRange[job], firstRange[job + 1])} hold {@code range}; every job has one. */
    private static int jobOfRange(int[] firstRange, int range) {
        int found = Arrays.binarySearch(firstRange, range);
        return found >= 0 ? found : -found - 2;
    }

    /** At least {@code count} states: one per token and KV head in prefill, one per range in decode. */
    private AttentionState[] states(int count) {
        if (states.length < count) {
            AttentionState[] grown = Arrays.copyOf(states, Math.max(count, 2 * states.length));
            for (int i = states.length; i < grown.length; i++) {
                grown[i] = new AttentionState(groupHeads, headDim);
            }
            states = grown;
        }
        return states;
    }
}
