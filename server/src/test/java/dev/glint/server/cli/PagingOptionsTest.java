package dev.glint.server.cli;

import dev.glint.server.cli.PagingOptions.Prefetch;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PagingOptionsTest {

    private static Prefetch parsed(String... args) {
        BenchCommand bench = new BenchCommand();
        new CommandLine(bench).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return bench.paging.prefetchExperts;
    }

    /** The flag alone turns prefetching on, as before it took a value; without it the memory decides. */
    @Test
    void prefetchExpertsIsAutoUnlessNamedAndOnAsAFlagAlone() {
        assertEquals(Prefetch.AUTO, parsed());
        assertEquals(Prefetch.ON, parsed("--prefetch-experts"));
        assertEquals(Prefetch.OFF, parsed("--prefetch-experts=off"));
        assertEquals(Prefetch.ON, parsed("--prefetch-experts", "on"));
    }

    /** Measured in a 2 GiB cgroup, prefetching decoded 2.3-2.7x faster; with everything in memory it cost 25%. */
    @Test
    void autoPrefetchesOnlyWhenWeightsAndPoolExceedMemory() {
        long memory = 2L << 30;
        assertTrue(Prefetch.AUTO.enabled(memory + 1, memory));
        assertFalse(Prefetch.AUTO.enabled(memory, memory));
        assertTrue(Prefetch.ON.enabled(1, memory));
        assertFalse(Prefetch.OFF.enabled(memory * 4, memory));
    }
}
