package io.strata.launcher.run;

/** {@link RunLifecycleTest} with strata run through the native client and the store daemon, as ./strata runs it. */
class RunLifecycleClientTest extends RunLifecycleTest {
    @Override
    boolean throughClient() {
        return true;
    }
}
