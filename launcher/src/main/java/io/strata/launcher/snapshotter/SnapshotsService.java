package io.strata.launcher.snapshotter;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CleanupRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CommitSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.Info;
import containerd.services.snapshots.v1.SnapshotsOuterClass.Kind;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UpdateSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UpdateSnapshotResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UsageRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UsageResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ViewSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ViewSnapshotResponse;
import containerd.types.MountOuterClass;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.strata.core.usage.DiskUsage;

import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * containerd.services.snapshots.v1.Snapshots over {@link Snapshotter}: translates messages and turns
 * {@link SnapshotError}s into the status codes containerd's errdefs.FromGRPC maps back. Decides nothing.
 */
final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
    /** containerd sends List results in batches (its own proxy server sends 100 per message). */
    private static final int LIST_BATCH = 100;

    private final Snapshotter snapshotter;
    private final boolean verbose;

    SnapshotsService(Snapshotter snapshotter, boolean verbose) {
        this.snapshotter = snapshotter;
        this.verbose = verbose;
    }

    @Override
    public void prepare(PrepareSnapshotRequest r, StreamObserver<PrepareSnapshotResponse> out) {
        answer("Prepare " + r.getKey() + " parent=" + r.getParent(), out, () -> PrepareSnapshotResponse.newBuilder()
                .addAllMounts(mounts(snapshotter.prepare(r.getKey(), r.getParent(), r.getLabelsMap()))).build());
    }

    @Override
    public void view(ViewSnapshotRequest r, StreamObserver<ViewSnapshotResponse> out) {
        answer("View " + r.getKey() + " parent=" + r.getParent(), out, () -> ViewSnapshotResponse.newBuilder()
                .addAllMounts(mounts(snapshotter.view(r.getKey(), r.getParent(), r.getLabelsMap()))).build());
    }

    @Override
    public void mounts(MountsRequest r, StreamObserver<MountsResponse> out) {
        answer("Mounts " + r.getKey(), out, () -> MountsResponse.newBuilder()
                .addAllMounts(mounts(snapshotter.mounts(r.getKey()))).build());
    }

    @Override
    public void commit(CommitSnapshotRequest r, StreamObserver<Empty> out) {
        answer("Commit " + r.getKey() + " -> " + r.getName(), out, () -> {
            snapshotter.commit(r.getName(), r.getKey(), r.getLabelsMap());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void remove(RemoveSnapshotRequest r, StreamObserver<Empty> out) {
        answer("Remove " + r.getKey(), out, () -> {
            snapshotter.remove(r.getKey());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void stat(StatSnapshotRequest r, StreamObserver<StatSnapshotResponse> out) {
        answer("Stat " + r.getKey(), out, () -> StatSnapshotResponse.newBuilder().setInfo(info(snapshotter.stat(r.getKey()))).build());
    }

    @Override
    public void update(UpdateSnapshotRequest r, StreamObserver<UpdateSnapshotResponse> out) {
        answer("Update " + r.getInfo().getName(), out, () -> UpdateSnapshotResponse.newBuilder()
                .setInfo(info(snapshotter.update(r.getInfo().getName(), r.getInfo().getLabelsMap(), r.getUpdateMask().getPathsList())))
                .build());
    }

    @Override
    public void list(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> out) {
        List<Snapshot> all;
        try {
            all = snapshotter.list(r.getFiltersList());
        } catch (RuntimeException e) {
            out.onError(status(e));
            return;
        }
        for (int from = 0; from < all.size(); from += LIST_BATCH) {
            ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder();
            for (Snapshot s : all.subList(from, Math.min(all.size(), from + LIST_BATCH))) b.addInfo(info(s));
            out.onNext(b.build());
        }
        out.onCompleted();
    }

    @Override
    public void usage(UsageRequest r, StreamObserver<UsageResponse> out) {
        answer("Usage " + r.getKey(), out, () -> {
            DiskUsage.Usage u = snapshotter.usage(r.getKey());
            return UsageResponse.newBuilder().setSize(u.size()).setInodes(u.inodes()).build();
        });
    }

    @Override
    public void cleanup(CleanupRequest r, StreamObserver<Empty> out) {
        answer("Cleanup", out, () -> {
            snapshotter.cleanup();
            return Empty.getDefaultInstance();
        });
    }

    private <T> void answer(String what, StreamObserver<T> out, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            if (verbose) System.err.println("strata snapshotter: " + what + ": " + e.getMessage());
            out.onError(status(e));
            return;
        }
        if (verbose) System.err.println("strata snapshotter: " + what);
        out.onNext(result);
        out.onCompleted();
    }

    private static RuntimeException status(RuntimeException e) {
        if (e instanceof SnapshotError se) {
            Status s = switch (se.code()) {
                case NOT_FOUND -> Status.NOT_FOUND;
                case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            };
            return s.withDescription(se.getMessage()).asRuntimeException();
        }
        return Status.INTERNAL.withDescription(String.valueOf(e)).withCause(e).asRuntimeException();
    }

    private static List<MountOuterClass.Mount> mounts(List<Snapshotter.Mount> ms) {
        return ms.stream().map(m -> MountOuterClass.Mount.newBuilder()
                .setType(m.type()).setSource(m.source()).addAllOptions(m.options()).build()).toList();
    }

    private static Info info(Snapshot s) {
        return Info.newBuilder().setName(s.name()).setParent(s.parent())
                .setKind(switch (s.kind()) {
                    case VIEW -> Kind.VIEW;
                    case ACTIVE -> Kind.ACTIVE;
                    case COMMITTED -> Kind.COMMITTED;
                })
                .setCreatedAt(timestamp(s.createdAt())).setUpdatedAt(timestamp(s.updatedAt()))
                .putAllLabels(s.labels()).build();
    }

    private static Timestamp timestamp(String iso) {
        Instant t = Instant.parse(iso);
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
