package io.strata.fuse.ll;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The readers' hand-over, with plain threads standing in for the workers. */
class ReaderTurnsTest {
    private static final int READ = 15, GETATTR = 3;

    @Test
    void aSecondWorkerWaitsWhileOneReadsAndReadsWhenARequestMayBlock() throws Exception {
        ReaderTurns turns = new ReaderTurns();
        assertTrue(turns.awaitTurn(false), "nobody reads: the first worker reads at once");
        CompletableFuture<Boolean> secondTurn = secondWorkerParked(turns);
        assertFalse(secondTurn.isDone(), "parked while the first reads");
        assertTrue(turns.received(READ, 80)); // the first got a read: the second reads in its place
        assertTrue(secondTurn.get(30, TimeUnit.SECONDS));
        assertTrue(turns.awaitTurn(true), "after a request that may block, a worker reads beside the other at once");
        assertFalse(turns.received(GETATTR, 56));
        turns.close();
        assertFalse(turns.awaitTurn(false), "no turns once the session ends");
    }

    @Test
    void closingReleasesAParkedWorker() throws Exception {
        ReaderTurns turns = new ReaderTurns();
        assertTrue(turns.awaitTurn(false));
        CompletableFuture<Boolean> secondTurn = secondWorkerParked(turns);
        turns.close();
        assertFalse(secondTurn.get(30, TimeUnit.SECONDS));
    }

    @Test
    void quickRequestsAreNotHandedOn() {
        assertFalse(ReaderTurns.mayBlock(GETATTR, 56));
        assertFalse(ReaderTurns.mayBlock(35, 60)); // CREATE
        assertFalse(ReaderTurns.mayBlock(16, 4096 + 80), "a small write");
        assertTrue(ReaderTurns.mayBlock(16, (1 << 20) + 80), "a large write");
        assertTrue(ReaderTurns.mayBlock(READ, 80));
        assertTrue(ReaderTurns.mayBlock(0, 80), "an unknown (spliced) request may block");
    }

    /** Starts a second worker that asks for its turn, and returns once it is parked. */
    private static CompletableFuture<Boolean> secondWorkerParked(ReaderTurns turns) throws InterruptedException {
        Thread[] second = new Thread[1];
        CompletableFuture<Boolean> turn = CompletableFuture.supplyAsync(() -> {
            second[0] = Thread.currentThread();
            return turns.awaitTurn(false);
        }, r -> new Thread(r, "second").start());
        awaitParked(second);
        return turn;
    }

    private static void awaitParked(Thread[] t) throws InterruptedException {
        for (int i = 0; i < 30_000; i++) {
            if (t[0] != null && t[0].getState() == Thread.State.WAITING) return;
            Thread.sleep(1);
        }
        throw new AssertionError("the second worker never parked");
    }
}
