package io.roomrouter.demo;

import io.roomrouter.e2e.Crowd;
import io.roomrouter.e2e.Join;
import io.roomrouter.e2e.RoomReport;
import io.roomrouter.kit.AgentDecision;
import io.roomrouter.kit.HostPort;
import io.roomrouter.kit.Player;
import io.roomrouter.kit.ProjectLayout;
import io.roomrouter.kit.Stack;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The demo: starts three game servers, the agent (bin/room-router) and haproxy with the reference configuration, sends
 * rooms of WebSocket players through haproxy and prints where each room landed, then stops everything.
 */
public final class DemoMain {

    private static final String USAGE = """
            usage: DemoMain [--rooms 30] [--players 10] [--port 0] [--keep-running]
              --rooms N        rooms to fill (default 24: 3 servers of maxconn 100 hold 30 rooms of 10)
              --players N      players per room (default 10, the agent's room size)
              --port N         haproxy's port for players (default 0: any free port)
              --keep-running   leave the stack up after the run, until Ctrl-C
            """;

    private DemoMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int rooms = 24;
        int players = 10;
        int port = 0;
        boolean keepRunning = false;
        List<String> argList = List.of(args);
        for (int i = 0; i < argList.size(); i++) {
            String arg = argList.get(i);
            boolean hasValue = i + 1 < argList.size();
            if (arg.equals("--rooms") && hasValue) {
                rooms = Integer.parseInt(argList.get(++i));
            } else if (arg.equals("--players") && hasValue) {
                players = Integer.parseInt(argList.get(++i));
            } else if (arg.equals("--port") && hasValue) {
                port = Integer.parseInt(argList.get(++i));
            } else if (arg.equals("--keep-running")) {
                keepRunning = true;
            } else {
                System.err.print(USAGE);
                System.err.println(arg.equals("--help") ? "" : "unknown argument: " + arg);
                System.exit(arg.equals("--help") ? 0 : 2);
            }
        }
        Path logDir = ProjectLayout.locate().root().resolve("tests/target/demo-logs");
        Stack.Builder builder = Stack.builder(logDir);
        if (port != 0) {
            builder.frontend(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
        System.out.println("Starting game1..game3, haproxy (haproxy/haproxy.cfg) and the agent; logs in " + logDir);
        // Ctrl-C: the hook lets main stop the stack in order, and waits for it, before the JVM goes.
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try (Stack stack = builder.start();
                Crowd crowd = new Crowd(stack.frontend(), 16)) {
            InetSocketAddress frontend = stack.frontend();
            System.out.println("Game servers: " + stack.gameServers().all());
            System.out.println("Players connect to ws://" + HostPort.format(frontend) + "/ws?room=ROOM&player=ID");
            System.out.println();
            System.out.println(rooms + " rooms x " + players + " players, joining interleaved, 16 at a time,"
                    + " staying connected:");
            List<Player> joined = crowd.join(Join.interleaved("room", rooms, players), Crowd.Presence.STAY);
            RoomReport report = RoomReport.of(joined);
            System.out.println(report.table());
            System.out.println();
            System.out.println("Summary: " + report.summary());
            // Players who just arrived still hold their reserved seats until the agent's next read of HAProxy's
            // connection counts (twice a second) confirms them: wait for it, so the loads printed are the steady ones.
            Thread.sleep(1000);
            Player late = crowd.joinOne("late-room", "p1");
            System.out.println("One more room while the players stay: HTTP " + late.reply().status() + ", "
                    + (late.joined()
                            ? "on " + late.server().orElseThrow() + " (" + late.decision() + ")"
                            : late.reply().body().strip()));
            // Every join is logged, a few milliseconds after it is answered.
            List<AgentDecision> logged = stack.agent().awaitDecisions(joined.size() + 1, Duration.ofSeconds(2));
            Map<String, Long> decisions = logged.stream()
                    .collect(Collectors.groupingBy(AgentDecision::decision, TreeMap::new, Collectors.counting()));
            System.out.println("Agent decisions (from its log): " + decisions);
            if (keepRunning) {
                System.out.println();
                System.out.println("The stack keeps running (players stay connected). Try:");
                System.out.println("  curl -i 'http://" + HostPort.format(frontend)
                        + "/socket.io/?EIO=4&transport=polling&room=room1&player=me'");
                System.out.println("Ctrl-C stops everything.");
                stop.await();
            }
        } finally {
            System.out.println("Stopped.");
            stopped.countDown();
        }
    }

}
