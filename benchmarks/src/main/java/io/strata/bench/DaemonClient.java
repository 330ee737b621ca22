package io.strata.bench;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * The CLI's own client of the store daemon ({@code io.strata.store.daemon.StoreClient}), loaded from the jar: a
 * request over the daemon's unix socket without a JVM start, as `strata snapshot create` sends it.
 */
final class DaemonClient implements AutoCloseable {
    private final URLClassLoader loader;
    private final Object client;
    private final Method call;

    DaemonClient(Path jar, Path store) throws Exception {
        loader = new URLClassLoader(new URL[]{jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        Class<?> root = loader.loadClass("io.strata.store.daemon.StoreRoot");
        Class<?> clientClass = loader.loadClass("io.strata.store.daemon.StoreClient");
        client = clientClass.getConstructor(root).newInstance(root.getConstructor(Path.class).newInstance(store));
        call = clientClass.getMethod("call", List.class);
    }

    /** Sends the request and waits for the daemon's answer; throws with its message when it is an error. */
    void call(String... args) throws Exception {
        Object response = call.invoke(client, List.of(args));
        if (!(boolean) response.getClass().getMethod("ok").invoke(response))
            throw new IOException(String.join(" ", args) + ": " + response.getClass().getMethod("message").invoke(response));
    }

    @Override
    public void close() throws IOException {
        loader.close();
    }
}
