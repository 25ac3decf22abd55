package dev.glint.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of platform threads that splits an index range across cores. The calling thread works too, so
 * a pool of {@code n} threads starts {@code n - 1}. Jobs are run one at a time: the engine has a single stepping
 * thread.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work on the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    private static final int SPINS_BEFORE_PARKING = 20_000;

    private final Thread[] workers;
    private volatile Job current;
    private volatile boolean closed;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a worker pool needs at least one thread, got " + threads);
        }
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("glint-worker-" + (i + 1)).start(this::workLoop);
        }
    }

    public int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code task} over {@code [0, size)} in chunks of at least {@code grain} indices and returns when every
     * chunk is done; an exception thrown by any chunk is rethrown here.
     */
    public void forRange(int size, int grain, RangeTask task) {
        if (size <= 0) {
            return;
        }
        int chunks = Math.min(Math.max(1, size / Math.max(1, grain)), threads() * 4);
        if (chunks == 1 || workers.length == 0) {
            task.run(0, size);
            return;
        }
        Job job = new Job(task, size, chunks);
        current = job;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        job.work();
        while (job.finished.get() < chunks) {
            Thread.onSpinWait();
        }
        current = null;
        if (job.failure != null) {
            throw new IllegalStateException("a parallel kernel failed: " + job.failure, job.failure);
        }
    }

    private void workLoop() {
        Job seen = null;
        int idle = 0;
        while (!closed) {
            Job job = current;
            if (job != null && job != seen) {
                seen = job;
                job.work();
                idle = 0;
            } else if (++idle < SPINS_BEFORE_PARKING) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
    }

    private static final class Job {
        final RangeTask task;
        final int size;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        volatile Throwable failure;

        Job(RangeTask task, int size, int chunks) {
            this.task = task;
            this.size = size;
            this.chunks = chunks;
        }

        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    task.run((int) ((long) size * c / chunks), (int) ((long) size * (c + 1) / chunks));
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    finished.incrementAndGet();
                }
            }
        }
    }
}
