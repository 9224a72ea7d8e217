package io.github.dl4jsparse.examples.fashion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One timed run at a time on this machine: a runner whose training seconds are reported holds an exclusive lock on
 * {@code <java.io.tmpdir>/dl4jsparse-timed-run.lock} while it trains, and a second one refuses to start beside it
 * (on a 2-core machine a second training JVM slows the first by 10% to 2x, so times taken side by side do not
 * compare). The operating system releases the lock when the JVM ends, however it ends.
 */
final class TimedRunLock implements AutoCloseable {

    static final Path FILE = Path.of(System.getProperty("java.io.tmpdir"), "dl4jsparse-timed-run.lock");

    private final FileChannel channel;
    private final FileLock lock;

    private TimedRunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * @param runner the runner's name, written into the lock file for the message a second runner gives
     * @throws IllegalStateException naming the runner that holds the lock and the option that runs anyway
     */
    static TimedRunLock acquire(String runner) throws IOException {
        FileChannel channel = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            String holder = new String(Files.readAllBytes(FILE), StandardCharsets.UTF_8).trim();
            channel.close();
            throw new IllegalStateException("another timed run is training on this machine (" + holder + ", lock "
                    + FILE + "): training seconds taken beside it would not compare. Wait for it to end, or pass "
                    + "--concurrent to train anyway");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((runner + ", pid " + ProcessHandle.current().pid())
                .getBytes(StandardCharsets.UTF_8)));
        return new TimedRunLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
