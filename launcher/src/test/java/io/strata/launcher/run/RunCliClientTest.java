package io.strata.launcher.run;

/** {@link RunCliTest} with strata run through the native client and the store daemon, as ./strata runs it. */
class RunCliClientTest extends RunCliTest {
    @Override
    boolean throughClient() {
        return true;
    }
}
