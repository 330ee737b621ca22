package io.strata.launcher.run;

/** {@link RunLeakTest} with strata run through the native client and the store daemon, as ./strata runs it. */
class RunLeakClientTest extends RunLeakTest {
    @Override
    boolean throughClient() {
        return true;
    }
}
