package io.strata.launcher.run.cgroup;

import java.util.List;

/**
 * The devices a container may use: runc's default allow list (everything else denied). Written to the v1 devices
 * controller and, for runc, into config.json's linux.resources.devices. (v2 enforces devices with a BPF program,
 * which Strata does not load: there the mount namespace — only the bind-mounted nodes in /dev — is the limit.)
 */
public final class DeviceRules {
    /** type 'c'/'b'/'a'; major/minor -1 = any; access "rwm". */
    public record Rule(char type, long major, long minor, String access) {
        /** The devices.allow line: "c 1:3 rwm", "c *:* m". */
        public String v1() {
            return type + " " + (major < 0 ? "*" : Long.toString(major)) + ":" + (minor < 0 ? "*" : Long.toString(minor)) + " " + access;
        }
    }

    public static final List<Rule> ALLOWED = List.of(
            new Rule('c', -1, -1, "m"), new Rule('b', -1, -1, "m"), // mknod of anything (opening is what is checked)
            new Rule('c', 1, 3, "rwm"), // null
            new Rule('c', 1, 5, "rwm"), // zero
            new Rule('c', 1, 7, "rwm"), // full
            new Rule('c', 1, 8, "rwm"), // random
            new Rule('c', 1, 9, "rwm"), // urandom
            new Rule('c', 5, 0, "rwm"), // tty
            new Rule('c', 5, 1, "rwm"), // console
            new Rule('c', 5, 2, "rwm"), // ptmx
            new Rule('c', 136, -1, "rwm"), // pts/*
            new Rule('c', 10, 200, "rwm")); // net/tun

    private DeviceRules() {
    }
}
