package dev.glint.engine.checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * What the operating system is told about mapped weights that may not all fit in memory: which to keep resident
 * ({@code mlock}) and which a step is about to read ({@code madvise(MADV_WILLNEED)}, which starts reading them from disk
 * at once, all together, instead of one page fault at a time as the kernels reach them). Linux calls through FFM.
 */
public final class PageAdvice {
    private static final int MADV_WILLNEED = 3;
    private static final long PAGE = 4096;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MADVISE = libc("madvise",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MLOCK = libc("mlock",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));

    private PageAdvice() {
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.defaultLookup().find(name)
                .map(symbol -> LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno")))
                .orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name));
    }

    /** Starts reading {@code regions} into the page cache, without waiting; pages already there cost nothing more. */
    public static void willNeed(List<MemorySegment> regions) {
        for (MemorySegment region : regions) {
            call(MADVISE, "madvise(MADV_WILLNEED)", region, MADV_WILLNEED);
        }
    }

    /**
     * Reads {@code regions} in and keeps them in memory until the process ends. Returns the bytes locked.
     *
     * @throws IllegalStateException with the reason when the system refuses (above {@code ulimit -l}, out of memory)
     */
    public static long lock(List<MemorySegment> regions) {
        long bytes = 0;
        for (MemorySegment region : regions) {
            bytes += call(MLOCK, "mlock", region, null);
        }
        return bytes;
    }

    /** Calls {@code function} on the whole pages under {@code region}; returns their bytes. */
    private static long call(MethodHandle function, String what, MemorySegment region, Integer advice) {
        if (region.byteSize() == 0) {
            return 0;
        }
        long start = region.address() & -PAGE;
        long length = (region.address() + region.byteSize() - start + PAGE - 1) & -PAGE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int result = advice == null ? (int) function.invokeExact(state, start, length)
                    : (int) function.invokeExact(state, start, length, (int) advice);
            if (result != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IllegalStateException(what + " of " + length + " bytes failed with errno " + errno
                        + (errno == 12 || errno == 1 ? " (over the locked-memory limit: raise ulimit -l, or LimitMEMLOCK "
                        + "in a systemd unit, or give the process CAP_IPC_LOCK)" : ""));
            }
            return length;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(what + " failed: " + e, e);
        }
    }
}
