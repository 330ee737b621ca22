package io.strata.launcher.run.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an OCI image config says about running it ({@code config.Entrypoint}, {@code Cmd}, {@code Env},
 * {@code WorkingDir}, {@code User}); {@link #NONE} for a container made from bare directories.
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
    public static final ImageConfig NONE = new ImageConfig(List.of(), List.of(), List.of(), "", "");

    public ImageConfig {
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = List.copyOf(env);
    }

    /** From the bytes of an image's config.json (the image-spec's config object; unknown fields ignored). */
    public static ImageConfig parse(byte[] configJson) {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(configJson).path("config");
        } catch (IOException e) {
            throw new IllegalArgumentException("the image config is not JSON: " + e.getMessage());
        }
        return new ImageConfig(strings(c.path("Entrypoint")), strings(c.path("Cmd")), strings(c.path("Env")),
                c.path("WorkingDir").asText(""), c.path("User").asText(""));
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) n.forEach(e -> out.add(e.asText()));
        else if (n.isTextual()) out.add(n.asText()); // some old images carry a string; docker runs it as one word
        return out;
    }

    /**
     * docker's rule: the Entrypoint, then the command given on the command line, or the image's Cmd when none is.
     * Empty when neither image nor caller names a command.
     */
    public List<String> args(List<String> commandLine) {
        List<String> a = new ArrayList<>(entrypoint);
        a.addAll(commandLine.isEmpty() ? cmd : commandLine);
        return a;
    }
}
