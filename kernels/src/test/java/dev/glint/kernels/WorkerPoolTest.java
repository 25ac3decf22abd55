package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerPoolTest {

    @Test
    void everyIndexIsVisitedExactlyOnceAcrossManyJobs() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int size : new int[]{1, 2, 7, 100, 1013}) {
                for (int repeat = 0; repeat < 50; repeat++) {
                    AtomicIntegerArray visits = new AtomicIntegerArray(size);
                    pool.forRange(size, 1, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            visits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < size; i++) {
                        assertEquals(1, visits.get(i), "index " + i + " of " + size + " visits");
                    }
                }
            }
        }
    }

    @Test
    void aFailingChunkIsRethrownToTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> pool.forRange(64, 1, (from, to) -> {
                        if (from == 0) {
                            throw new ArithmeticException("chunk zero broke");
                        }
                    }));
            assertTrue(thrown.getMessage().contains("chunk zero broke"), thrown.getMessage());
            pool.forRange(8, 1, (from, to) -> { });
        }
    }

    @Test
    void aSingleThreadPoolRunsInline() {
        try (WorkerPool pool = new WorkerPool(1)) {
            Thread caller = Thread.currentThread();
            pool.forRange(10, 1, (from, to) -> assertEquals(caller, Thread.currentThread()));
            assertEquals(1, pool.threads());
        }
    }
}
