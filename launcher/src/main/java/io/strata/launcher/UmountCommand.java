package io.strata.launcher;

import io.strata.fuse.MountTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code strata umount MOUNTPOINT}: unmounts; the serving process then exits by itself. */
@Command(name = "umount", aliases = "unmount", description = "Unmount a Strata union.")
public final class UmountCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Mount point.")
    Path mountPoint;

    @Option(names = {"-l", "--lazy"}, description = "Detach now even if busy.")
    boolean lazy;

    @Override
    public Integer call() {
        Path mp = mountPoint.toAbsolutePath().normalize();
        if (!MountTable.isMounted(mp)) throw new UserError(mountPoint + " is not mounted");
        if (!MountTable.unmount(mp, lazy)) throw new UserError("cannot unmount " + mountPoint + " (busy? try --lazy)");
        return 0;
    }
}
