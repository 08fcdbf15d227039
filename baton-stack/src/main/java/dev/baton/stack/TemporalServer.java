package dev.baton.stack;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;

import java.net.InetSocketAddress;

/**
 * Temporal's Java test server on {@code 127.0.0.1:PORT} only: {@code TestServer}'s own main binds
 * every interface, which a local development stack must not. The same services (time skipping
 * locked, as that main does by default), served by a gRPC server bound to loopback.
 */
public final class TemporalServer {
    private TemporalServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        TestServicesStarter services = new TestServicesStarter(true, 0);
        ServerBuilder<?> builder = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port),
                InsecureServerCredentials.create());
        GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
        Server server = builder.build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            services.close();
        }, "temporal-stop"));
        System.out.println("Temporal test server listening on 127.0.0.1:" + port);
        server.awaitTermination();
    }
}
