package io.strata.launcher.run;

/** {@link RunLimitsTest} with strata run through the native client and the store daemon, as ./strata runs it. */
class RunLimitsClientTest extends RunLimitsTest {
    @Override
    boolean throughClient() {
        return true;
    }
}
