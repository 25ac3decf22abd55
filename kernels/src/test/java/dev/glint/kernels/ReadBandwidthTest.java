package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadBandwidthTest {
    /**
     * Any machine that runs Glint reads memory faster than 100 MB/s and slower than 10 TB/s; a probe that timed nothing,
     * or no bytes, would fall outside.
     */
    @Test
    void measuresAReadRateMemoryCanHave() {
        try (WorkerPool pool = new WorkerPool(2)) {
            double bytesPerSecond = ReadBandwidth.measure(pool, 64L << 20, 2);
            assertTrue(bytesPerSecond > 1e8 && bytesPerSecond < 1e13, "probed " + bytesPerSecond / 1e9 + " GB/s");
        }
    }
}
