package io.strata.store.container;

/** {@code STORE/containers/NAME/container.json}: the container's name, its image (id) and when it was created. */
public record ContainerRecord(String name, String image, String created) {
}
