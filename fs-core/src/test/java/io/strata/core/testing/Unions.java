package io.strata.core.testing;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.layer.LayerStack;
import io.strata.core.options.LayerDirs;
import io.strata.core.options.MountOptions;
import io.strata.core.union.UnionFs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A union over test trees: lowers (top first) under base/lowerN, upper under base/upper, work under base/work. */
public final class Unions {
    private Unions() {
    }

    public static String options(Path base, int lowers, boolean writable, String extra) {
        List<String> l = new ArrayList<>();
        for (int i = 1; i <= lowers; i++) l.add(base.resolve("lower" + i).toString());
        String o = "lowerdir=" + String.join(":", l);
        if (writable) o += ",upperdir=" + base.resolve("upper") + ",workdir=" + base.resolve("work");
        return extra == null || extra.isEmpty() ? o : o + "," + extra;
    }

    public static UnionFs open(Path base, int lowers, boolean writable, String extra) throws FsException {
        Trees.at(base.resolve("upper"));
        Trees.at(base.resolve("work"));
        for (int i = 1; i <= lowers; i++) Trees.at(base.resolve("lower" + i));
        LayerStack stack = LayerDirs.open(MountOptions.parse(List.of(options(base, lowers, writable, extra))));
        return new UnionFs(stack);
    }

    /** The errno a call fails with, or null if it succeeds. */
    public static Errno errnoOf(FsCall c) {
        try {
            c.run();
            return null;
        } catch (FsException e) {
            return e.errno();
        }
    }

    public interface FsCall {
        void run() throws FsException;
    }

    public static String sorted(List<String> names) {
        return names.stream().sorted().collect(Collectors.joining(","));
    }
}
