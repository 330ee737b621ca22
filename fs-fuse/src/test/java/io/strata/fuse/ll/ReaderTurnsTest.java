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
        assertTrue(turns.awaitTurn(), "nobody reads: the first worker reads at once");
        CompletableFuture<Boolean> secondTurn = secondWorkerParked(turns);
        assertFalse(secondTurn.isDone(), "parked while the first reads");
        turns.received(READ); // the first got a read: the second reads in its place
        assertTrue(secondTurn.get(30, TimeUnit.SECONDS));
        turns.received(GETATTR);
        turns.close();
        assertFalse(turns.awaitTurn(), "no turns once the session ends");
    }

    @Test
    void closingReleasesAParkedWorker() throws Exception {
        ReaderTurns turns = new ReaderTurns();
        assertTrue(turns.awaitTurn());
        CompletableFuture<Boolean> secondTurn = secondWorkerParked(turns);
        turns.close();
        assertFalse(secondTurn.get(30, TimeUnit.SECONDS));
    }

    @Test
    void quickRequestsAreNotHandedOn() {
        assertFalse(ReaderTurns.mayBlock(GETATTR));
        assertFalse(ReaderTurns.mayBlock(35)); // CREATE
        assertTrue(ReaderTurns.mayBlock(READ));
        assertTrue(ReaderTurns.mayBlock(0), "an unknown (spliced) request may block");
    }

    /** Starts a second worker that asks for its turn, and returns once it is parked. */
    private static CompletableFuture<Boolean> secondWorkerParked(ReaderTurns turns) throws InterruptedException {
        Thread[] second = new Thread[1];
        CompletableFuture<Boolean> turn = CompletableFuture.supplyAsync(() -> {
            second[0] = Thread.currentThread();
            return turns.awaitTurn();
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
